"""Identity rules, plain async functions, no GraphQL. By sub-domain:
- accounts: people by e-mail and their active kinds of membership at a firm;
- sessions: opening and ending login sessions, the viewer's list of them, the firm's idle
  timeout, whether a session has every factor the firm requires;
- login: the rate-limited credential check (`AttemptLog`, `check_password`) and `login`;
- cabinets: a person's cabinets at every firm and the hand-off between hosts;
- codes: one-time codes (hand-off, password reset), spent once;
- reset: password reset links and setting the new password;
- totp: the second factor and the firm's rule requiring it of staff;
- invitations: invitations to a firm's cabinet, their e-mail and their acceptance;
- api_tokens: integrators' API tokens;
- errors: `Refused`, an expected refusal with a stable code (saas.auth.messages words it);
- clock: the database's clock.

Login and the other credential checks open their own short transactions on the shared schema
instead of the request's session: the attempt must be committed before it is counted (so
concurrent attempts in other processes, batches and aliases see each other), whatever the
outcome of the rest.

Decisions worth knowing:
- An attempt is recorded as a failure first and marked succeeded once every factor passed;
  the lock counts failures per e-mail since its last success in `login_window_seconds`.
  Unknown e-mails are counted and locked the same way, so the answers do not reveal whether
  an account exists.
- Failures from one address never refuse anyone (one NAT address may be a whole office): past
  a number of them in the window, each further failed attempt from that address is answered
  only after a delay doubling per failure, capped (`AttemptLog.held`); a right password of an
  account that is not locked is answered at once. Attempts sent in parallel are recorded
  before they are judged, so they see each other and are held alike.
- At a firm's host a person with the right password but no active membership there gets
  NOT_A_MEMBER (only after every factor passed: it tells nothing a login at the platform host
  would not).
- When a firm requires TOTP for staff and a staff member has none, the login succeeds with a
  session whose `mfa_passed` is false: it carries no roles in the firm (saas.auth.authenticate),
  so it can only read `viewer`, enroll TOTP (which lifts the restriction) and log out.
"""
