"""Rules as code: policy files are loaded, checked, compiled and evaluated here.

The passes, in order (see :data:`jinshu.rules.compiler.PASSES`): ``load_document`` reads the YAML,
``check_rule`` parses and checks each SQL expression with sqlglot, ``compile_python`` and
``plan_query`` turn the checked trees into a single-case evaluator and set-based SQL, and
``explain_result`` renders what was done.
"""
