/**
 * Rollbar's documented limits, each next to the rule it comes from. The item format is documented at
 * https://docs.rollbar.com/reference/create-item (also github.com/rollbar/rollbar-php/blob/master/POST_FORMAT.md).
 */

/** The item API: `POST /api/1/item/` (https://docs.rollbar.com/reference/create-item). */
export const DEFAULT_ENDPOINT = 'https://api.rollbar.com/api/1/item/';

/** The header carrying the project access token (same page; the token never goes in the body). */
export const TOKEN_HEADER = 'x-rollbar-access-token';

/**
 * Payload size: the docs say 128 KB in one place and 1,024 KB in another; larger items are answered 413.
 * The relay keeps every item within the smaller one.
 */
export const MAX_ITEM_BYTES = 128 * 1024;

/** `data.environment`: "A string up to 255 characters" (create-item). */
export const MAX_ENVIRONMENT_CHARS = 255;

/** `data.title`: "Max length 255 characters" (create-item). */
export const MAX_TITLE_CHARS = 255;

/** `data.code_version`: "A string, up to 40 characters" (create-item). */
export const MAX_CODE_VERSION_CHARS = 40;

/** `data.uuid`: "A string, up to 36 characters" (create-item); a repeated uuid is discarded as a duplicate. */
export const MAX_UUID_CHARS = 36;

/** `data.fingerprint`: "up to 40 characters long; if longer than 40 characters, we'll use its SHA1 hash" (create-item). */
export const MAX_FINGERPRINT_CHARS = 40;

/** `data.person.id`: "A string up to 40 characters"; `username` and `email` up to 255 (create-item). */
export const MAX_PERSON_ID_CHARS = 40;
export const MAX_PERSON_FIELD_CHARS = 255;

/** `data.level`: "One of: critical, error, warning, info, debug" (create-item). */
export const LEVELS = ['critical', 'error', 'warning', 'info', 'debug'] as const;
export type Level = (typeof LEVELS)[number];

/** `data.platform` values that require a post_client_item token (create-item); the relay posts with a server token, so never sends these. */
export const CLIENT_PLATFORMS: ReadonlySet<string> = new Set(['browser', 'android', 'ios', 'flash', 'client']);

/**
 * Rate-limit headers on every answer, 429 included (https://docs.rollbar.com/docs/rate-limits; rollbar.js
 * src/server/transport.js reads the same): the seconds left in the window is the wait before a retry.
 */
export const RATE_LIMIT_REMAINING_SECONDS = 'x-rate-limit-remaining-seconds';
export const RATE_LIMIT_RESET = 'x-rate-limit-reset';

/** rollbar.js's own default cap (`itemsPerMinute: 60`), the default of `items_per_minute` here. */
export const DEFAULT_ITEMS_PER_MINUTE = 60;
