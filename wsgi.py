from pipeline import create_app

app = create_app()
