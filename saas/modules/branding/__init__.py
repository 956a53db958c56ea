"""Branding: a firm's brand (name, phone, color and the accessible theme derived from it, logo,
favicon, e-mail sender name, custom domains) and its client-cabinet switch.

Not to be confused with the top-level `mail_templates/` folder: the e-mail templates
(`saas.mail` renders them, painted with the brand this module gives).
"""
