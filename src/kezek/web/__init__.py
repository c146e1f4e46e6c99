"""The web pages: server-rendered, in Kyrgyz, Russian and English, working without JavaScript."""
