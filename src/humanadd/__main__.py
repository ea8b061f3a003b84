from humanadd.cli.main import app

app(prog_name="humanadd")
