from kezek.cli.main import app

app(prog_name="kezek")
