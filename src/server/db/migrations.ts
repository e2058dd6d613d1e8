import { sql, type Kysely } from 'kysely';
import type { Db, Dialect } from './database.js';

type Migration = { name: string; up: (db: Kysely<any>, dialect: Dialect) => Promise<void> };

const id = (dialect: Dialect) => (dialect === 'postgres' ? sql`bigserial primary key` : sql`integer primary key autoincrement`);
const bigint = sql`bigint`;
const blob = (dialect: Dialect) => (dialect === 'postgres' ? sql`bytea` : sql`blob`);

async function createTables(db: Kysely<any>, dialect: Dialect) {
  const ID = id(dialect);
  const stmts = [
    sql`create table companies (id ${ID}, name text not null unique, created_at ${bigint} not null)`,
    sql`create table boards (id ${ID}, name text not null unique, created_at ${bigint} not null)`,
    sql`create table company_boards (company_id bigint not null references companies(id) on delete cascade, board_id bigint not null references boards(id) on delete cascade, primary key (company_id, board_id))`,
    sql`create table techs (id ${ID}, email text not null unique, name text not null, password_hash text not null, role text not null, available integer not null default 1, all_companies integer not null default 0, active integer not null default 1, created_at ${bigint} not null)`,
    sql`create table tech_boards (tech_id bigint not null references techs(id) on delete cascade, board_id bigint not null references boards(id) on delete cascade, primary key (tech_id, board_id))`,
    sql`create table tech_companies (tech_id bigint not null references techs(id) on delete cascade, company_id bigint not null references companies(id) on delete cascade, primary key (tech_id, company_id))`,
    sql`create table portal_users (id ${ID}, company_id bigint not null references companies(id), email text not null unique, name text not null, phone text, password_hash text not null, active integer not null default 1, created_at ${bigint} not null)`,
    sql`create table sessions (token_hash text primary key, user_kind text not null, user_id bigint not null, created_at ${bigint} not null, expires_at ${bigint} not null)`,
    sql`create table tickets (id ${ID}, company_id bigint not null references companies(id), board_id bigint not null references boards(id), contact_id bigint not null references portal_users(id), summary text not null, status text not null, assigned_tech_id bigint references techs(id), created_at ${bigint} not null, updated_at ${bigint} not null)`,
    sql`create table attachments (id ${ID}, ticket_id bigint not null references tickets(id), chat_id bigint, filename text not null, content_type text not null, size integer not null, content ${blob(dialect)} not null, created_at ${bigint} not null)`,
    sql`create table timeline (id ${ID}, ticket_id bigint not null references tickets(id), kind text not null, at ${bigint} not null, actor_kind text not null, actor_id bigint, chat_id bigint, attachment_id bigint, data text not null)`,
    sql`create table chats (id ${ID}, source text not null, ticket_id bigint references tickets(id), board_id bigint not null references boards(id), company_id bigint not null references companies(id), requester_id bigint not null references portal_users(id), subject text not null, status text not null, open_key text, tech_id bigint references techs(id), outcome text, created_ticket_id bigint references tickets(id), last_seq integer not null default 0, requested_at ${bigint} not null, joined_at ${bigint}, left_at ${bigint}, ended_at ${bigint}, abandoned_at ${bigint}, callback_at ${bigint}, completed_at ${bigint}, completed_by bigint, callback_phone text, callback_time text, callback_message text, alert_stage text not null, alert_all_at ${bigint}, offer_at ${bigint}, grace_at ${bigint}, offer_count integer not null default 0)`,
    sql`create unique index chats_open_key on chats (open_key)`,
    sql`create index chats_status on chats (status, requested_at)`,
    sql`create index chats_alert_all_at on chats (alert_all_at)`,
    sql`create index chats_offer_at on chats (offer_at)`,
    sql`create index chats_grace_at on chats (grace_at)`,
    sql`create index chats_requester on chats (requester_id)`,
    sql`create index chats_ticket on chats (ticket_id)`,
    sql`create table messages (id ${ID}, chat_id bigint not null references chats(id), seq integer not null, author_kind text not null, author_id bigint, body text not null, client_id text, created_at ${bigint} not null)`,
    sql`create unique index messages_chat_seq on messages (chat_id, seq)`,
    sql`create unique index messages_chat_client on messages (chat_id, client_id)`,
    sql`create table notes (id ${ID}, chat_id bigint not null references chats(id), author_id bigint not null references techs(id), body text not null, created_at ${bigint} not null, updated_at ${bigint} not null)`,
    sql`create index notes_chat on notes (chat_id)`,
    sql`create table note_revisions (id ${ID}, note_id bigint not null references notes(id), body text not null, editor_id bigint not null, at ${bigint} not null)`,
    sql`create table transitions (id ${ID}, chat_id bigint not null references chats(id), event text not null, from_status text, to_status text not null, actor_kind text not null, actor_id bigint, at ${bigint} not null)`,
    sql`create index transitions_chat on transitions (chat_id)`,
    sql`create table office_hours (id integer primary key, timezone text not null, schedule text not null, updated_at ${bigint} not null)`,
    sql`create table holidays (id ${ID}, date text not null unique, name text not null)`,
    sql`create index timeline_ticket on timeline (ticket_id, at)`,
    sql`create index attachments_ticket on attachments (ticket_id)`,
  ];
  for (const s of stmts) await s.execute(db);
  if (dialect === 'postgres') {
    await sql`create table chat_search (chat_id bigint primary key references chats(id), body text not null)`.execute(db);
    await sql`create index chat_search_fts on chat_search using gin (to_tsvector('simple', body))`.execute(db);
  } else {
    await sql`create virtual table chat_search using fts5(chat_id unindexed, body, tokenize = 'unicode61 remove_diacritics 2')`.execute(db);
  }
}

/** A client id is unique per author within a chat, not per chat. */
async function clientIdPerAuthor(db: Kysely<any>) {
  await sql`drop index messages_chat_client`.execute(db);
  await sql`create unique index messages_chat_author_client on messages (chat_id, author_kind, author_id, client_id)`.execute(db);
}

/** Failed logins live in the database, so every node counts them and a restart forgets none. */
async function loginFailures(db: Kysely<any>, dialect: Dialect) {
  await sql`create table login_failures (id ${id(dialect)}, key text not null, at ${bigint} not null)`.execute(db);
  await sql`create index login_failures_key_at on login_failures (key, at)`.execute(db);
  await sql`create index login_failures_at on login_failures (at)`.execute(db);
}

/**
 * First start (services/setup.ts): one `setup_state` row, claimed once by whoever initialises an
 * empty database (the demo seed, or the first admin), and the hashes of the setup tokens that
 * nodes printed while no account exists. A database that already has techs was set up before.
 */
async function setupState(db: Kysely<any>) {
  await sql`create table setup_state (id integer primary key, completed_at ${bigint}, completed_by text)`.execute(db);
  await sql`create table setup_tokens (token_hash text primary key, created_at ${bigint} not null)`.execute(db);
  const hasTechs = await db.selectFrom('techs').select('id').limit(1).executeTakeFirst();
  await db
    .insertInto('setup_state')
    .values({ id: 1, completed_at: hasTechs ? Date.now() : null, completed_by: hasTechs ? 'existing' : null })
    .execute();
}

/** Privacy: erased portal users, and completed chats whose messages the retention sweep removed. */
async function privacy(db: Kysely<any>) {
  await sql`alter table portal_users add column erased_at ${bigint}`.execute(db);
  await sql`alter table chats add column messages_purged_at ${bigint}`.execute(db);
  await sql`create index chats_completed_at on chats (completed_at)`.execute(db);
}

/** Who was alerted in a chat's assigned-first stage, so the escalation alerts everyone else. */
async function assignedAlertTech(db: Kysely<any>) {
  await sql`alter table chats add column assigned_alert_tech_id bigint`.execute(db);
}

/** An attempt being checked is told apart from a failure: only failures delay a shared address. */
async function loginAttemptsSettled(db: Kysely<any>) {
  await sql`alter table login_failures add column settled integer not null default 1`.execute(db);
}

/**
 * Search over a million messages (docs/benchmarks.md, issue 15): indexes that give completed chats
 * newest first, overall and per company, board and tech; on PostgreSQL a stored tsvector with its
 * GIN index instead of the expression index (the text was parsed again for every row checked); on
 * SQLite the FTS5 rowid becomes the chat's search key (completion order) and prefixes of 1-3
 * letters are indexed. Existing documents are carried over.
 */
async function searchIndexes(db: Kysely<any>, dialect: Dialect) {
  for (const [name, cols] of [
    ['chats_completed_newest', 'completed_at, id'],
    ['chats_completed_company', 'company_id, completed_at, id'],
    ['chats_completed_board', 'board_id, completed_at, id'],
    ['chats_completed_tech', 'tech_id, completed_at, id'],
  ]) {
    await sql.raw(`create index ${name} on chats (${cols}) where status = 'completed'`).execute(db);
  }
  await sql`create index chats_created_ticket on chats (created_ticket_id)`.execute(db);
  if (dialect === 'postgres') {
    // Text out of line: the table itself stays narrow, so collecting matches reads few pages.
    await sql`alter table chat_search set (toast_tuple_target = 128)`.execute(db);
    await sql`alter table chat_search add column tsv tsvector generated always as (to_tsvector('simple', body)) stored`.execute(db);
    // No pending list: a search would read every entry not yet merged (up to 4 MB, until a vacuum).
    await sql`create index chat_search_tsv on chat_search using gin (tsv) with (fastupdate = off)`.execute(db);
    await sql`drop index chat_search_fts`.execute(db);
  } else {
    // The rowid is the chat's search key (db/repositories/search.ts): completion order, so FTS5
    // gives matches newest first; prefix indexes of 1-3 letters spare a prefix's many doclists.
    await sql`create virtual table chat_search_008 using fts5(chat_id unindexed, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3')`.execute(
      db,
    );
    await sql`insert into chat_search_008 (rowid, chat_id, body)
      select chats.completed_at * 1024 + (select count(*) from chats tie where tie.status = 'completed' and tie.completed_at = chats.completed_at and tie.id < chats.id), chat_search.chat_id, chat_search.body
      from chat_search join chats on chats.id = chat_search.chat_id where chats.status = 'completed'`.execute(db);
    await sql`drop table chat_search`.execute(db);
    await sql`alter table chat_search_008 rename to chat_search`.execute(db);
  }
}

/**
 * Presence shared by the nodes of a cluster (issue 17): each node's heartbeat and its portal
 * users' connections, so that whether a user is connected somewhere is read from rows every node
 * writes, not from a question over Redis that cannot tell whether every node heard it.
 */
async function clusterPresence(db: Kysely<any>) {
  await sql`create table cluster_nodes (node_id text primary key, started_at ${bigint} not null, seen_at ${bigint} not null)`.execute(db);
  await sql`create table portal_connections (socket_id text primary key, node_id text not null, user_id bigint not null, since ${bigint} not null)`.execute(db);
  await sql`create index portal_connections_user on portal_connections (user_id)`.execute(db);
  await sql`create index portal_connections_node on portal_connections (node_id)`.execute(db);
}

/**
 * A chat's version, raised by every change its views show (status, tech, leave, ticket, alert
 * stage, offer): live events carry it, and a client ignores one older than what it has.
 */
async function chatVersion(db: Kysely<any>) {
  await sql`alter table chats add column version integer not null default 0`.execute(db);
}

/**
 * Why a waiting chat was abandoned: the requester left, or their connection was lost for longer
 * than the grace. The portal words the two apart. Earlier chats: from their transition (the
 * system abandons for a lost connection).
 */
async function abandonReason(db: Kysely<any>) {
  await sql`alter table chats add column abandon_reason text`.execute(db);
  await sql`update chats set abandon_reason = case when exists (select 1 from transitions t where t.chat_id = chats.id and t.to_status = 'abandoned' and t.actor_kind = 'system') then 'disconnected' else 'left' end where abandoned_at is not null`.execute(
    db,
  );
}

/** The provider's name, accent colour and logo (one row, id 1), shown on both apps (services/branding.ts). */
async function branding(db: Kysely<any>, dialect: Dialect) {
  await sql`create table branding (id integer primary key, name text not null, accent text, logo ${blob(dialect)}, logo_type text, logo_hash text, updated_at ${bigint} not null)`.execute(
    db,
  );
}

/**
 * Canned replies (services/canned-replies.ts): shared ones (no owner; optionally for one board)
 * and a tech's personal ones. A shortcut is unique among the shared ones and among each tech's own.
 */
async function cannedReplies(db: Kysely<any>, dialect: Dialect) {
  await sql`create table canned_replies (id ${id(dialect)}, owner_tech_id bigint references techs(id), board_id bigint references boards(id), shortcut text not null, body text not null, created_at ${bigint} not null, updated_at ${bigint} not null)`.execute(
    db,
  );
  await sql`create unique index canned_replies_shared on canned_replies (shortcut) where owner_tech_id is null`.execute(db);
  await sql`create unique index canned_replies_personal on canned_replies (owner_tech_id, shortcut) where owner_tech_id is not null`.execute(db);
}

/** The requester's rating of a completed chat: 1 to 5 and a comment, given once (services/rating.ts). */
async function chatRating(db: Kysely<any>) {
  await sql`alter table chats add column rating integer`.execute(db);
  await sql`alter table chats add column rating_comment text`.execute(db);
  await sql`alter table chats add column rated_at bigint`.execute(db);
}

/** How far each side has read a chat: the last seq the requester and the joined tech have seen (services/reads.ts). */
async function readSeqs(db: Kysely<any>) {
  await sql`alter table chats add column requester_read_seq integer not null default 0`.execute(db);
  await sql`alter table chats add column tech_read_seq integer not null default 0`.execute(db);
}

/**
 * Transfer and invite (services/transfers.ts): the techs taking part besides the lead
 * (`chats.co_techs`, a JSON list of {id, name}), and the offers of a chat to a tech, at most one
 * pending per chat; a pending offer expires at `expires_at` (swept like the other timers).
 */
async function transferInvite(db: Kysely<any>, dialect: Dialect) {
  await sql`alter table chats add column co_techs text`.execute(db);
  await sql`create table chat_offers (id ${id(dialect)}, chat_id bigint not null references chats(id) on delete cascade, kind text not null, from_tech_id bigint not null references techs(id), to_tech_id bigint not null references techs(id), status text not null, created_at ${bigint} not null, expires_at ${bigint} not null, answered_at ${bigint})`.execute(
    db,
  );
  await sql`create unique index chat_offers_one_pending on chat_offers (chat_id) where status = 'pending'`.execute(db);
  await sql`create index chat_offers_to on chat_offers (to_tech_id, status)`.execute(db);
  await sql`create index chat_offers_due on chat_offers (expires_at) where status = 'pending'`.execute(db);
}

/**
 * Files in chat (services/files.ts): a file's facts in `chat_files` and its bytes in
 * `file_chunks`, written piece by piece as the upload streams in, so every node serves every
 * file and no node holds a whole file in memory. A file is `uploading` until its last piece is
 * written, then `stored`; the message that carries it points at it (`messages.file_id`). A
 * ticket's attachment copied from a chat file points at the same bytes (`attachments.file_id`,
 * its own `content` then empty).
 */
async function chatFiles(db: Kysely<any>, dialect: Dialect) {
  await sql`create table chat_files (id ${id(dialect)}, chat_id bigint not null references chats(id), uploader_kind text not null, uploader_id bigint not null, client_id text not null, filename text not null, content_type text not null, size bigint not null default 0, status text not null, width integer, height integer, thumb ${blob(dialect)}, created_at ${bigint} not null)`.execute(
    db,
  );
  await sql`create index chat_files_chat on chat_files (chat_id)`.execute(db);
  await sql`create index chat_files_status on chat_files (status, created_at)`.execute(db);
  await sql`create table file_chunks (file_id bigint not null references chat_files(id) on delete cascade, idx integer not null, data ${blob(dialect)} not null, primary key (file_id, idx))`.execute(
    db,
  );
  await sql`alter table messages add column file_id bigint references chat_files(id)`.execute(db);
  await sql`alter table attachments add column file_id bigint references chat_files(id)`.execute(db);
  await sql`create index messages_file on messages (file_id) where file_id is not null`.execute(db);
  await sql`create index attachments_file on attachments (file_id) where file_id is not null`.execute(db);
}

/**
 * Jobs (018): work done after a commit that must not be lost nor done twice across nodes, such
 * as an email or a webhook delivery (services/jobs.ts). A row is written in the same transaction
 * as the change that asks for it; any node claims a due row with a lease, and a row whose node
 * died is claimed again once its lease runs out.
 */
async function jobs(db: Kysely<any>, dialect: Dialect) {
  await sql`create table jobs (id ${id(dialect)}, kind text not null, payload text not null, dedupe_key text, status text not null, run_at ${bigint} not null, attempts integer not null default 0, lease_until ${bigint}, lease_owner text, last_error text, created_at ${bigint} not null, finished_at ${bigint})`.execute(
    db,
  );
  await sql`create index jobs_due on jobs (status, run_at)`.execute(db);
  await sql`create unique index jobs_dedupe on jobs (dedupe_key)`.execute(db);
}

/** The word end users see for a board (024): SPEC Part 2, "a friendlier word than board". */
async function boardWord(db: Kysely<any>) {
  await sql`alter table branding add column board_word text`.execute(db);
}

/**
 * The website widget per company (025, services/widget.ts): its public key (in the script tag),
 * the origins whose pages may frame the chat, and the secret a host site signs identities with.
 */
async function companyWidgets(db: Kysely<any>) {
  await sql`create table company_widgets (company_id bigint primary key references companies(id) on delete cascade, widget_key text not null unique, origins text not null, secret text, updated_at ${bigint} not null)`.execute(
    db,
  );
}

/**
 * Single sign-on (services/oidc.ts, services/sso-admin.ts): the OpenID Connect issuers an admin
 * configured, whether password sign-in stays on per side, the email domains of each company with
 * its choice to create unknown people, and the sign-ins under way (state, nonce and PKCE verifier
 * kept here, by the hash of the state, used once).
 */
async function oidc(db: Kysely<any>, dialect: Dialect) {
  await sql`create table oidc_issuers (id ${id(dialect)}, name text not null, issuer_url text not null, client_id text not null, client_secret text not null, for_techs integer not null, for_portal integer not null, create_techs integer not null default 0, created_at ${bigint} not null, updated_at ${bigint} not null)`.execute(
    db,
  );
  await sql`create table sign_in_settings (side text primary key, password_enabled integer not null)`.execute(db);
  await sql`create table company_domains (domain text primary key, company_id bigint not null references companies(id))`.execute(db);
  await sql`create index company_domains_company on company_domains (company_id)`.execute(db);
  await sql`alter table companies add column sso_create_users integer not null default 0`.execute(db);
  await sql`create table oidc_logins (state_hash text primary key, issuer_id bigint not null references oidc_issuers(id) on delete cascade, side text not null, nonce text not null, code_verifier text not null, created_at ${bigint} not null, expires_at ${bigint} not null)`.execute(
    db,
  );
  await sql`create index oidc_logins_expiry on oidc_logins (expires_at)`.execute(db);
}

/**
 * API tokens (services/api-tokens.ts): a named token with scopes, acting as the admin who created
 * it. Only the SHA-256 of its secret is stored, with the secret's first characters to tell tokens
 * apart; the last use (time and address) is written at most once a minute per token.
 */
async function apiTokens(db: Kysely<any>, dialect: Dialect) {
  await sql`create table api_tokens (id ${id(dialect)}, name text not null, token_hash text not null unique, prefix text not null, scopes text not null, created_by bigint not null references techs(id), created_at ${bigint} not null, expires_at ${bigint}, revoked_at ${bigint}, revoked_by bigint references techs(id), last_used_at ${bigint}, last_used_ip text)`.execute(
    db,
  );
}

/**
 * Mail (022): password resets by email (services/password-reset.ts). A row per request; its token
 * is made when the mail is sent and kept only as a hash; it expires and is used once. The mails
 * themselves are jobs of kind `mail` (services/mail.ts).
 */
async function mail(db: Kysely<any>, dialect: Dialect) {
  await sql`create table password_resets (id ${id(dialect)}, user_kind text not null, user_id bigint not null, token_hash text, created_at ${bigint} not null, expires_at ${bigint} not null, used_at ${bigint})`.execute(
    db,
  );
  await sql`create unique index password_resets_token on password_resets (token_hash)`.execute(db);
  await sql`create index password_resets_user on password_resets (user_kind, user_id)`.execute(db);
}

/**
 * Own account and two-factor (services/account.ts, services/two-factor.ts): what a session list
 * shows (last seen, browser, address); a tech's TOTP secret with the last step used (a code is
 * good once); recovery codes, hashed, each used once; the pending step of a login that still
 * needs a code (a hashed one-time ticket); and whether an admin requires two-factor of techs.
 */
async function accountSecurity(db: Kysely<any>, dialect: Dialect) {
  await sql`alter table sessions add column last_seen_at ${bigint}`.execute(db);
  await sql`alter table sessions add column user_agent text`.execute(db);
  await sql`alter table sessions add column ip text`.execute(db);
  await sql`create index sessions_user on sessions (user_kind, user_id)`.execute(db);
  await sql`create table tech_two_factor (tech_id bigint primary key references techs(id) on delete cascade, secret text not null, enabled_at ${bigint}, last_step ${bigint}, created_at ${bigint} not null)`.execute(
    db,
  );
  await sql`create table tech_recovery_codes (id ${id(dialect)}, tech_id bigint not null references techs(id) on delete cascade, code_hash text not null, used_at ${bigint})`.execute(
    db,
  );
  await sql`create index tech_recovery_codes_tech on tech_recovery_codes (tech_id)`.execute(db);
  await sql`create table login_tickets (ticket_hash text primary key, tech_id bigint not null references techs(id) on delete cascade, created_at ${bigint} not null, expires_at ${bigint} not null)`.execute(
    db,
  );
  await sql`create index login_tickets_expires on login_tickets (expires_at)`.execute(db);
  await sql`create table security_settings (id integer primary key, tech_two_factor_required integer not null default 0, updated_at ${bigint} not null)`.execute(
    db,
  );
}

/**
 * Webhooks (023, services/webhooks.ts): endpoints an admin registers, one delivery per (event,
 * endpoint) written in the transaction of the change, and every attempt at it. The signing
 * secret is kept as is: it signs every delivery, so it cannot be a hash.
 */
async function webhooks(db: Kysely<any>, dialect: Dialect) {
  await sql`create table webhook_endpoints (id ${id(dialect)}, url text not null, description text not null, events text not null, format text not null, secret text not null, paused_at ${bigint}, pause_reason text, failing_since ${bigint}, failure_count integer not null default 0, created_at ${bigint} not null, updated_at ${bigint} not null)`.execute(
    db,
  );
  await sql`create table webhook_deliveries (id ${id(dialect)}, endpoint_id bigint not null references webhook_endpoints(id) on delete cascade, event_id text not null, event_type text not null, chat_id bigint, body text not null, status text not null, next_attempt_at ${bigint}, created_at ${bigint} not null, finished_at ${bigint})`.execute(
    db,
  );
  await sql`create index webhook_deliveries_endpoint on webhook_deliveries (endpoint_id, id)`.execute(db);
  await sql`create index webhook_deliveries_status on webhook_deliveries (endpoint_id, status, created_at)`.execute(db);
  await sql`create index webhook_deliveries_chat on webhook_deliveries (chat_id)`.execute(db);
  await sql`create table webhook_attempts (id ${id(dialect)}, delivery_id bigint not null references webhook_deliveries(id) on delete cascade, at ${bigint} not null, status integer, duration_ms integer not null, error text, excerpt text not null)`.execute(
    db,
  );
  await sql`create index webhook_attempts_delivery on webhook_attempts (delivery_id, id)`.execute(db);
}

/**
 * Reports (026, services/chat-metrics.ts, docs/metrics.md): one row of measures per chat, written
 * in the transaction of each change that closes a duration, raw and in business hours; the time of
 * a chat's first tech message on the chat (read with the row a message batch locks anyway); and
 * the grant that lets a tech who is not an admin see reports.
 */
async function chatMetrics(db: Kysely<any>) {
  await sql`create table chat_metrics (chat_id bigint primary key references chats(id), requested_at ${bigint} not null, company_id bigint not null, board_id bigint not null, tech_id bigint, disposition text not null, queued_at ${bigint} not null, first_joined_at ${bigint}, join_ms ${bigint}, join_bh_ms ${bigint}, first_response_at ${bigint}, first_response_ms ${bigint}, first_response_bh_ms ${bigint}, ended_at ${bigint}, handle_ms ${bigint}, handle_bh_ms ${bigint}, abandoned_at ${bigint}, abandon_wait_ms ${bigint}, abandon_wait_bh_ms ${bigint}, callback_at ${bigint}, callback_completed_at ${bigint}, completed_at ${bigint}, messages integer, transfers integer not null default 0, rating integer)`.execute(
    db,
  );
  await sql`create index chat_metrics_requested on chat_metrics (requested_at, chat_id)`.execute(db);
  await sql`create index chat_metrics_company on chat_metrics (company_id, requested_at)`.execute(db);
  await sql`create index chat_metrics_board on chat_metrics (board_id, requested_at)`.execute(db);
  await sql`create index chat_metrics_tech on chat_metrics (tech_id, requested_at)`.execute(db);
  await sql`alter table chats add column first_response_at ${bigint}`.execute(db);
  await sql`alter table techs add column may_see_reports integer not null default 0`.execute(db);
}

/**
 * The live wallboard (migration 027, services/wallboard.ts): its settings (one row: the service
 * level's target in seconds) and the techs an admin allowed to open it besides the admins, and
 * indexes for its recent-chat counts.
 */
async function wallboard(db: Kysely<any>) {
  await sql`create table wallboard_settings (id integer primary key, service_level_target_s integer not null, updated_at ${bigint} not null)`.execute(db);
  await sql`create table wallboard_viewers (tech_id bigint primary key references techs(id) on delete cascade)`.execute(db);
  // Its rolling hour and "today" read recent chats only, whatever the history holds.
  await sql`create index wallboard_chats_requested on chats (requested_at)`.execute(db);
  await sql`create index wallboard_chats_abandoned on chats (abandoned_at)`.execute(db);
  await sql`create index wallboard_chats_callback on chats (callback_at)`.execute(db);
}

/**
 * Reports per tech and per company (services/reports.ts, docs/metrics.md "Scale"): the group's
 * index holds every column those tables and their filters read, so SQLite reads a year of one
 * group after another from the index alone, in group order, and groups without sorting the rows
 * (per tech 393 -> 175 ms CPU for the counts over 1,000,000 chats). They replace the two-column
 * indexes they begin with, which served the same seeks.
 */
async function reportIndexes(db: Kysely<any>) {
  await sql`create index chat_metrics_tech_report on chat_metrics (tech_id, requested_at, company_id, board_id, disposition, join_ms, join_bh_ms, first_response_ms, first_response_bh_ms, handle_ms, handle_bh_ms, transfers, rating)`.execute(
    db,
  );
  await sql`create index chat_metrics_company_report on chat_metrics (company_id, requested_at, board_id, tech_id, disposition, join_ms, join_bh_ms, handle_ms, handle_bh_ms)`.execute(
    db,
  );
  await sql`drop index chat_metrics_tech`.execute(db);
  await sql`drop index chat_metrics_company`.execute(db);
}

/**
 * The portal issuer a company takes the word of for its people's addresses (null: any portal
 * issuer). An issuer run by one client company could otherwise vouch for another company's listed
 * domain. A removed issuer leaves the id, so that company's sign-in fails closed, not open.
 */
async function companyIssuer(db: Kysely<any>) {
  await sql`alter table companies add column sso_issuer_id ${bigint}`.execute(db);
}

const migrations: Migration[] = [
  { name: '001_initial', up: createTables },
  { name: '002_client_id_per_author', up: clientIdPerAuthor },
  { name: '003_login_failures', up: loginFailures },
  { name: '004_setup_state', up: setupState },
  { name: '005_privacy', up: privacy },
  { name: '006_assigned_alert_tech', up: assignedAlertTech },
  { name: '007_login_attempts_settled', up: loginAttemptsSettled },
  { name: '008_search_indexes', up: searchIndexes },
  { name: '009_cluster_presence', up: clusterPresence },
  { name: '010_chat_version', up: chatVersion },
  { name: '011_abandon_reason', up: abandonReason },
  { name: '012_branding', up: branding },
  { name: '013_canned_replies', up: cannedReplies },
  { name: '014_chat_rating', up: chatRating },
  { name: '015_read_seqs', up: readSeqs },
  { name: '016_transfer_invite', up: transferInvite },
  { name: '017_chat_files', up: chatFiles },
  { name: '018_jobs', up: jobs },
  { name: '019_account_security', up: accountSecurity },
  { name: '020_api_tokens', up: apiTokens },
  { name: '021_oidc', up: oidc },
  { name: '022_mail', up: mail },
  { name: '023_webhooks', up: webhooks },
  { name: '024_board_word', up: boardWord },
  { name: '025_company_widgets', up: companyWidgets },
  { name: '026_chat_metrics', up: chatMetrics },
  { name: '027_wallboard', up: wallboard },
  { name: '028_report_indexes', up: reportIndexes },
  { name: '029_company_issuer', up: companyIssuer },
];

/** The name of the newest migration: a database whose schema has it is current. */
export const LATEST_MIGRATION = migrations[migrations.length - 1].name;

/** The migrations applied to this database, by name; throws on a database never migrated (no table). */
export async function appliedMigrations(db: Db): Promise<string[]> {
  const rows = await (db as unknown as Kysely<any>).selectFrom('schema_migrations').select('name').orderBy('name').execute();
  return rows.map((r) => r.name as string);
}

/** Applies pending migrations in one transaction each; safe when several nodes start at once. */
export async function migrate(db: Db, dialect: Dialect): Promise<void> {
  const k = db as unknown as Kysely<any>;
  await sql`create table if not exists schema_migrations (name text primary key, applied_at ${bigint} not null)`.execute(k);
  for (const m of migrations) {
    await k.transaction().execute(async (trx) => {
      if (dialect === 'postgres') {
        // Serialises concurrent node start-ups; released at commit.
        await sql`select pg_advisory_xact_lock(727001)`.execute(trx);
      }
      const done = await trx.selectFrom('schema_migrations').select('name').where('name', '=', m.name).executeTakeFirst();
      if (done) return;
      await m.up(trx, dialect);
      await trx.insertInto('schema_migrations').values({ name: m.name, applied_at: Date.now() }).execute();
    });
  }
}
