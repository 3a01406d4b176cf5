"""The web UI in Chinese: server-rendered Jinja2 pages with htmx, assets served locally."""
