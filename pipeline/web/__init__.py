"""The web side shared by every page: scope, language, parameters, security headers."""
