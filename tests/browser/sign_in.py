"""Signing in through the real form, as staff and town-hall agents do: password, then the
code of their authenticator app (the second factor they must use)."""

from tests import factories


def log_in_with_code(page, email: str) -> None:
    page.goto("/compte/login/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(factories.PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code").fill(factories.totp_code())
    page.get_by_role("button", name="Connexion").click()
    page.get_by_role("button", name="Déconnexion").wait_for()
