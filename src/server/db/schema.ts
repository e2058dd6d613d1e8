import type { Generated, Insertable, Selectable } from 'kysely';

/** Times are epoch milliseconds; flags are 0/1 integers, the same on both dialects. */
export interface CompaniesTable {
  id: Generated<number>;
  name: string;
  created_at: number;
  /** 1: a portal user unknown here who signs in with single sign-on under one of the company's domains is created. */
  sso_create_users: Generated<number>;
  /** The only portal issuer whose word on its people's addresses counts; null: any portal issuer. */
  sso_issuer_id: number | null;
}
export interface BoardsTable {
  id: Generated<number>;
  name: string;
  created_at: number;
}
export interface CompanyBoardsTable {
  company_id: number;
  board_id: number;
}
export interface TechsTable {
  id: Generated<number>;
  email: string;
  name: string;
  password_hash: string;
  role: 'tech' | 'admin';
  available: number;
  all_companies: number;
  active: number;
  created_at: number;
  /** 1: a tech (not an admin) allowed to see reports, over the chats they have access to (migration 026). */
  may_see_reports: Generated<number>;
}
export interface TechBoardsTable {
  tech_id: number;
  board_id: number;
}
export interface TechCompaniesTable {
  tech_id: number;
  company_id: number;
}
export interface PortalUsersTable {
  id: Generated<number>;
  company_id: number;
  email: string;
  name: string;
  phone: string | null;
  password_hash: string;
  active: number;
  created_at: number;
  /** When the person's data was erased (they show as "Deleted user"); null otherwise. */
  erased_at: number | null;
}
/** One failed login, under each key it counts against (`tech:<email>`, `ip:<address>`). */
export interface LoginFailuresTable {
  id: Generated<number>;
  key: string;
  at: number;
  /** 0 while the attempt's password is being checked, 1 once it failed (a success deletes the row). */
  settled: number;
}
export interface SessionsTable {
  token_hash: string;
  user_kind: 'tech' | 'portal';
  user_id: number;
  created_at: number;
  expires_at: number;
  /** Updated at most about once a minute (services/account.ts); null until then. */
  last_seen_at: number | null;
  user_agent: string | null;
  ip: string | null;
}
/** A tech's TOTP: `enabled_at` null while the setup waits for its first code. */
export interface TechTwoFactorTable {
  tech_id: number;
  secret: string;
  enabled_at: number | null;
  /** The 30-second step of the last code accepted: that code and earlier ones are refused. */
  last_step: number | null;
  created_at: number;
}
export interface TechRecoveryCodesTable {
  id: Generated<number>;
  tech_id: number;
  /** SHA-256 of the normalized code; the code itself is shown once. */
  code_hash: string;
  used_at: number | null;
}
/** A login whose password was right and that waits for a code: by the hash of its one-time ticket. */
export interface LoginTicketsTable {
  ticket_hash: string;
  tech_id: number;
  created_at: number;
  expires_at: number;
}
/** One row (id 1), absent until an admin saves it. */
export interface SecuritySettingsTable {
  id: number;
  tech_two_factor_required: number;
  updated_at: number;
}
export interface TicketsTable {
  id: Generated<number>;
  company_id: number;
  board_id: number;
  contact_id: number;
  summary: string;
  status: 'open' | 'in_progress' | 'closed';
  assigned_tech_id: number | null;
  created_at: number;
  updated_at: number;
}
export interface TimelineTable {
  id: Generated<number>;
  ticket_id: number;
  kind: 'created' | 'note' | 'chat_session' | 'attachment' | 'status';
  at: number;
  actor_kind: 'tech' | 'portal' | 'system';
  actor_id: number | null;
  chat_id: number | null;
  attachment_id: number | null;
  data: string;
}
export interface AttachmentsTable {
  id: Generated<number>;
  ticket_id: number;
  chat_id: number | null;
  filename: string;
  content_type: string;
  size: number;
  /** Empty when `file_id` is set: the bytes are the chat file's (`file_chunks`). */
  content: Buffer;
  file_id: number | null;
  created_at: number;
}
export interface ChatFilesTable {
  id: Generated<number>;
  chat_id: number;
  uploader_kind: 'portal' | 'tech';
  uploader_id: number;
  client_id: string;
  filename: string;
  content_type: string;
  size: number;
  status: 'uploading' | 'stored';
  width: number | null;
  height: number | null;
  thumb: Buffer | null;
  created_at: number;
}
export interface FileChunksTable {
  file_id: number;
  idx: number;
  data: Buffer;
}
export type { ChatStatus } from '../../shared/views.js';
import type { ChatStatus } from '../../shared/views.js';
export interface ChatsTable {
  id: Generated<number>;
  source: 'new_request' | 'ticket';
  ticket_id: number | null;
  board_id: number;
  company_id: number;
  requester_id: number;
  subject: string;
  status: ChatStatus;
  /** 1 while the chat is waiting or active: the key of the "one open chat" unique indexes. */
  open_key: string | null;
  tech_id: number | null;
  outcome: 'ended' | 'ticket_created' | null;
  created_ticket_id: number | null;
  last_seq: number;
  requested_at: number;
  joined_at: number | null;
  left_at: number | null;
  ended_at: number | null;
  abandoned_at: number | null;
  /** Why it was abandoned: the requester left, or their connection was lost past the grace. */
  abandon_reason: 'left' | 'disconnected' | null;
  callback_at: number | null;
  completed_at: number | null;
  completed_by: number | null;
  callback_phone: string | null;
  callback_time: string | null;
  callback_message: string | null;
  alert_stage: 'assigned' | 'all';
  /** The tech alerted alone in the assigned-first stage: the escalation does not alert them again. */
  assigned_alert_tech_id: number | null;
  /** Deadlines of the durable timers; null when not armed. */
  alert_all_at: number | null;
  offer_at: number | null;
  grace_at: number | null;
  offer_count: number;
  /** When the retention sweep removed this completed chat's messages and files (null: kept). */
  messages_purged_at: number | null;
  /** Raised by every change the chat's views show; live events carry it (stale ones are ignored). */
  version: Generated<number>;
  /** The requester's rating (1-5), its comment and when it was given; null until rated. */
  rating: number | null;
  rating_comment: string | null;
  rated_at: number | null;
  /** The last seq the requester, and the joined tech, have seen (0: none yet). */
  requester_read_seq: Generated<number>;
  tech_read_seq: Generated<number>;
  /** The techs taking part besides the lead (`tech_id`), invited in: JSON of {id, name}[], null when none. */
  co_techs: string | null;
  /** When a tech first wrote in the chat (null: not yet); set once, by the message batch (migration 026). */
  first_response_at: number | null;
}
/** A chat offered by a tech in it to another tech: to take it over (transfer) or to join in (invite). */
export interface ChatOffersTable {
  id: Generated<number>;
  chat_id: number;
  kind: 'transfer' | 'invite';
  from_tech_id: number;
  to_tech_id: number;
  status: 'pending' | 'accepted' | 'declined' | 'expired' | 'withdrawn';
  created_at: number;
  expires_at: number;
  answered_at: number | null;
}
export interface MessagesTable {
  id: Generated<number>;
  chat_id: number;
  seq: number;
  author_kind: 'portal' | 'tech' | 'system';
  author_id: number | null;
  body: string;
  client_id: string | null;
  /** The file this message carries (its body is then the file's name), or null. */
  file_id: number | null;
  created_at: number;
}
export interface NotesTable {
  id: Generated<number>;
  chat_id: number;
  author_id: number;
  body: string;
  created_at: number;
  updated_at: number;
}
export interface NoteRevisionsTable {
  id: Generated<number>;
  note_id: number;
  body: string;
  editor_id: number;
  at: number;
}
export interface TransitionsTable {
  id: Generated<number>;
  chat_id: number;
  event: string;
  from_status: string | null;
  to_status: string;
  actor_kind: 'tech' | 'portal' | 'system';
  actor_id: number | null;
  at: number;
}
export interface OfficeHoursTable {
  id: number;
  timezone: string;
  /** JSON: { [weekday 0-6, Sunday=0]: [{ start: "HH:MM", end: "HH:MM" }] } */
  schedule: string;
  updated_at: number;
}
export interface HolidaysTable {
  id: Generated<number>;
  date: string;
  name: string;
}
export interface ChatSearchTable {
  chat_id: number;
  body: string;
}

/** The one row (id 1) that says whether and how the database was first set up. */
export interface SetupStateTable {
  id: number;
  completed_at: number | null;
  /** 'demo', 'setup_page', 'command' or 'existing' (a database set up before this table existed). */
  completed_by: string | null;
}
/** A setup token printed by a node, by its hash only. */
export interface SetupTokensTable {
  token_hash: string;
  created_at: number;
}
/** A running node of a cluster (with Redis), with its last heartbeat (realtime/cluster-presence.ts). */
export interface ClusterNodesTable {
  node_id: string;
  started_at: number;
  seen_at: number;
}
/** A portal user's connection to a node of a cluster: presence that every node can read. */
export interface PortalConnectionsTable {
  socket_id: string;
  node_id: string;
  user_id: number;
  since: number;
}

/** The provider's branding (one row, id 1): name, accent (#rrggbb) and logo image. */
export interface BrandingTable {
  id: number;
  name: string;
  accent: string | null;
  logo: Buffer | null;
  logo_type: string | null;
  logo_hash: string | null;
  updated_at: number;
  /** What end users see instead of "board" (null: the default, services/branding.ts). */
  board_word: string | null;
}

/** A canned reply: shared (owner null, board null for every board) or a tech's personal one. */
export interface CannedRepliesTable {
  id: Generated<number>;
  owner_tech_id: number | null;
  board_id: number | null;
  shortcut: string;
  body: string;
  created_at: number;
  updated_at: number;
}

/** Work after a commit, done once across nodes (migration 018, services/jobs.ts). */
export interface JobsTable {
  id: Generated<number>;
  kind: string;
  /** JSON. */
  payload: string;
  /** At most one job per key (null: no limit). */
  dedupe_key: string | null;
  status: 'pending' | 'done' | 'dead';
  run_at: number;
  attempts: number;
  lease_until: number | null;
  lease_owner: string | null;
  last_error: string | null;
  created_at: number;
  finished_at: number | null;
}

/** A company's website widget (migration 025, services/widget.ts). */
export interface CompanyWidgetsTable {
  company_id: number;
  /** Public: names the company in the script tag and the frame's address. */
  widget_key: string;
  /** JSON array of origins (scheme, host and port) whose pages may frame the chat. */
  origins: string;
  /** Signs a host site's identities (HMAC-SHA256); shown once when made, null until then. */
  secret: string | null;
  updated_at: number;
}
/** The wallboard's settings (migration 027, services/wallboard.ts): one row, id 1. */
export interface WallboardSettingsTable {
  id: number;
  /** A chat counts within the service level when joined within this many seconds of its request. */
  service_level_target_s: number;
  updated_at: number;
}
/** The techs an admin allowed to open the wallboard (admins always may), each for their own scope. */
export interface WallboardViewersTable {
  tech_id: number;
}
/** An OpenID Connect issuer an admin configured (services/sso-admin.ts); the secret is never sent back. */
export interface OidcIssuersTable {
  id: Generated<number>;
  name: string;
  issuer_url: string;
  client_id: string;
  client_secret: string;
  for_techs: number;
  for_portal: number;
  /** 1: a tech unknown here is created (without grants) on first sign-in. */
  create_techs: number;
  created_at: number;
  updated_at: number;
}
/** Whether password sign-in is on for a side ('tech' | 'portal'); no row: on. */
export interface SignInSettingsTable {
  side: string;
  password_enabled: number;
}
/** An email domain (lower case) of a company: a portal user signing in with it belongs there. */
export interface CompanyDomainsTable {
  domain: string;
  company_id: number;
}
/** A single sign-on under way: by the hash of its state, used once (services/oidc.ts). */
export interface OidcLoginsTable {
  state_hash: string;
  issuer_id: number;
  side: 'tech' | 'portal';
  nonce: string;
  code_verifier: string;
  created_at: number;
  expires_at: number;
}

/** An API token: the SHA-256 of its secret, never the secret; `scopes` is a comma-separated list. */
export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  token_hash: string;
  prefix: string;
  scopes: string;
  created_by: number;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  revoked_by: number | null;
  last_used_at: number | null;
  last_used_ip: string | null;
}

/** A password reset asked for by email (migration 022, services/password-reset.ts). */
export interface PasswordResetsTable {
  id: Generated<number>;
  user_kind: 'tech' | 'portal';
  user_id: number;
  /** sha256 of the token in the mail; null until the mail is being sent. */
  token_hash: string | null;
  created_at: number;
  expires_at: number;
  /** When it was used, or replaced by a newer request or a reset; null while it may still be used. */
  used_at: number | null;
}

/** A webhook endpoint (services/webhooks.ts); `events` is JSON of event names. */
export interface WebhookEndpointsTable {
  id: Generated<number>;
  url: string;
  description: string;
  events: string;
  format: 'standard' | 'teams' | 'slack';
  /** `whsec_…`: signs every delivery, so kept as is; never returned after creation or rotation. */
  secret: string;
  paused_at: number | null;
  pause_reason: string | null;
  /** The first of the failed attempts in a row, and how many; null and 0 after a success. */
  failing_since: number | null;
  failure_count: number;
  created_at: number;
  updated_at: number;
}
/** One event for one endpoint; `body` is the Standard Webhooks JSON, `event_id` its `webhook-id`. */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  endpoint_id: number;
  event_id: string;
  event_type: string;
  /** The chat the event is about, if any: erasing its requester redacts the body (services/privacy.ts). */
  chat_id: number | null;
  body: string;
  status: 'pending' | 'delivered' | 'failed' | 'held';
  next_attempt_at: number | null;
  created_at: number;
  finished_at: number | null;
}
export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: number;
  at: number;
  status: number | null;
  duration_ms: number;
  error: string | null;
  excerpt: string;
}

/**
 * One row of report measures per chat (migration 026, services/chat-metrics.ts, docs/metrics.md).
 * Durations in ms, raw and in business hours (`_bh_`), stored when they close.
 */
export interface ChatMetricsTable {
  chat_id: number;
  requested_at: number;
  company_id: number;
  board_id: number;
  /** The tech who answered (first joined). */
  tech_id: number | null;
  disposition: 'waiting' | 'answered' | 'abandoned' | 'callback';
  /** When it last entered the queue: the request, or a transfer to a board. */
  queued_at: number;
  first_joined_at: number | null;
  join_ms: number | null;
  join_bh_ms: number | null;
  first_response_at: number | null;
  first_response_ms: number | null;
  first_response_bh_ms: number | null;
  ended_at: number | null;
  handle_ms: number | null;
  handle_bh_ms: number | null;
  abandoned_at: number | null;
  abandon_wait_ms: number | null;
  abandon_wait_bh_ms: number | null;
  callback_at: number | null;
  callback_completed_at: number | null;
  completed_at: number | null;
  messages: number | null;
  transfers: Generated<number>;
  rating: number | null;
}

export interface Database {
  chat_metrics: ChatMetricsTable;
  companies: CompaniesTable;
  boards: BoardsTable;
  company_boards: CompanyBoardsTable;
  techs: TechsTable;
  tech_boards: TechBoardsTable;
  tech_companies: TechCompaniesTable;
  portal_users: PortalUsersTable;
  sessions: SessionsTable;
  login_failures: LoginFailuresTable;
  tickets: TicketsTable;
  timeline: TimelineTable;
  attachments: AttachmentsTable;
  chats: ChatsTable;
  messages: MessagesTable;
  notes: NotesTable;
  note_revisions: NoteRevisionsTable;
  transitions: TransitionsTable;
  office_hours: OfficeHoursTable;
  holidays: HolidaysTable;
  chat_search: ChatSearchTable;
  setup_state: SetupStateTable;
  setup_tokens: SetupTokensTable;
  cluster_nodes: ClusterNodesTable;
  portal_connections: PortalConnectionsTable;
  branding: BrandingTable;
  canned_replies: CannedRepliesTable;
  chat_offers: ChatOffersTable;
  oidc_issuers: OidcIssuersTable;
  sign_in_settings: SignInSettingsTable;
  company_domains: CompanyDomainsTable;
  oidc_logins: OidcLoginsTable;
  chat_files: ChatFilesTable;
  file_chunks: FileChunksTable;
  jobs: JobsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  tech_two_factor: TechTwoFactorTable;
  tech_recovery_codes: TechRecoveryCodesTable;
  login_tickets: LoginTicketsTable;
  security_settings: SecuritySettingsTable;
  password_resets: PasswordResetsTable;
  api_tokens: ApiTokensTable;
  company_widgets: CompanyWidgetsTable;
  wallboard_settings: WallboardSettingsTable;
  wallboard_viewers: WallboardViewersTable;
}

export type Chat = Selectable<ChatsTable>;
export type ChatOffer = Selectable<ChatOffersTable>;
export type NewChat = Insertable<ChatsTable>;
export type Message = Selectable<MessagesTable>;
export type ChatFile = Selectable<ChatFilesTable>;
export type Tech = Selectable<TechsTable>;
export type PortalUser = Selectable<PortalUsersTable>;
export type Ticket = Selectable<TicketsTable>;
export type Note = Selectable<NotesTable>;
