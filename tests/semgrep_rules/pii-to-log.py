"""Test target for pii-to-log-python (semgrep --test annotations)."""
# ruff: noqa  (deliberately vulnerable test target: undefined names, unused results)
import hashlib
import logging

import structlog

logger = logging.getLogger(__name__)
log = structlog.get_logger()


class Signup:
    def __init__(self):
        self.logger = logging.getLogger("signup")

    def handle(self, request, user, user_id):
        email = request.form["email"]
        # ruleid: pii-to-log-python
        logger.info("signup from %s", email)
        # ruleid: pii-to-log-python
        self.logger.warning("bad phone %s", user.phone)
        # ruleid: pii-to-log-python
        logging.error("lookup failed for %s", request.json.get("ssn"))
        # ruleid: pii-to-log-python
        log.info("signup", birth_date=user.birth_date)
        # ok: pii-to-log-python
        logger.info("signup for user %s", user_id)
        # ok: pii-to-log-python
        logger.info("signup %s", hashlib.sha256(email.encode()).hexdigest())
        # ok: pii-to-log-python
        logger.info("signup %s", mask(email))
        # ok: pii-to-log-python
        print("welcome", user.first_name)
        # ok: pii-to-log-python
        logger.info("email template %s", user.email_template)

    def sync(self, repo, project):
        # ok: pii-to-log-python
        logger.info("syncing %s", repo.full_name)
        # ok: pii-to-log-python
        logger.info("syncing %s", project["email"])
