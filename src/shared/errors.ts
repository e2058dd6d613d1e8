/**
 * Every error code the API and the socket answer with, in `{ error: { code, message, details? } }`.
 * Codes are stable: clients branch on them; messages are for people and may change.
 */
export const ERROR_CODES = [
  // the request itself
  'validation_failed',
  'invalid_json',
  'bad_request',
  'unsupported_media_type',
  'payload_too_large',
  'unknown_event',
  'bad_origin',
  // who asks
  'unauthenticated',
  'invalid_credentials',
  'rate_limited',
  'too_many_requests',
  // API tokens (services/api-tokens.ts): unknown, revoked, expired or its admin gone; not allowed here
  'token_invalid',
  'token_scope',
  // what they ask for (SPEC "Access": what one may not see is not found)
  'not_found',
  'forbidden',
  'admin_only',
  /** The wallboard is for admins and the techs an admin allowed (services/wallboard.ts). */
  'wallboard_not_allowed',
  'not_participant',
  'not_note_author',
  // reports (services/reports.ts): a tech without the grant "may see reports"
  'reports_not_allowed',
  // the state it is in
  'invalid_transition',
  'already_joined',
  'chat_limit_reached',
  'ticket_closed',
  'ticket_exists',
  'note_recommended',
  'edit_conflict',
  'duplicate',
  'confirmation_mismatch',
  'person_has_open_chat',
  // transfer and invite (services/transfers.ts)
  'not_offer_recipient',
  'offer_pending',
  'offer_settled',
  'tech_unavailable',
  'already_in_chat',
  'last_tech_in_chat',
  // files in chat (services/files.ts, shared/files.ts)
  'file_too_large',
  'file_type_refused',
  'file_empty',
  // the website widget (services/widget.ts): a host site's signed identity
  'widget_signature_invalid',
  'widget_signature_expired',
  // first start (services/setup.ts): no admin yet, or the setup already done
  'setup_required',
  'setup_token_invalid',
  'setup_done',
  // single sign-on (services/oidc.ts, services/sso-admin.ts): refusals end on the login page with the code
  'oidc_state_invalid',
  'oidc_token_invalid',
  'oidc_email_unverified',
  'oidc_domain_unknown',
  'oidc_issuer_not_allowed',
  'oidc_user_unknown',
  'oidc_user_inactive',
  'oidc_provider_error',
  'oidc_issuer_unavailable',
  'password_sign_in_off',
  'sso_lockout',
  // email (services/mail.ts, services/password-reset.ts): email off, or a reset link that cannot be used
  'email_disabled',
  'reset_token_invalid',
  'reset_token_expired',
  // own account and two-factor (services/account.ts, services/two-factor.ts)
  'password_invalid',
  'password_required',
  'recent_sign_in_required',
  'totp_required',
  'totp_invalid',
  'totp_reused',
  'totp_ticket_invalid',
  'totp_already_enabled',
  'totp_not_enabled',
  'totp_not_pending',
  // webhooks (services/webhooks.ts)
  'webhook_url_refused',
  'webhook_delivery_pending',
  // the server
  'request_gone',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The error half of every answer, HTTP body and socket ack alike. */
export type ErrorInfo = { code: ErrorCode; message: string; details?: Record<string, unknown> };
