/** CloudWatch Logs' documented limits, each next to the rule it comes from. */

const PUT_LOG_EVENTS = 'https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html';
export const RULES = {
  putLogEvents: PUT_LOG_EVENTS,
  quotas: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html',
  createLogGroup: 'https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html',
  createLogStream: 'https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogStream.html',
  putRetentionPolicy: 'https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html',
} as const;

/** PutLogEvents: "The maximum number of log events in a batch is 10,000." */
export const MAX_BATCH_EVENTS = 10_000;

/** PutLogEvents: "The maximum batch size is 1,048,576 bytes … the sum of all event messages in UTF-8, plus 26 bytes for each log event." */
export const MAX_BATCH_BYTES = 1_048_576;

/** PutLogEvents: the 26 bytes counted per event on top of its UTF-8 message. */
export const EVENT_OVERHEAD_BYTES = 26;

/**
 * PutLogEvents: "Each log event can be no larger than 1 MB" (256 KB before April 2025). Counted as
 * message bytes + the 26 overhead bytes, so one event of the largest size still fits a batch.
 */
export const MAX_EVENT_BYTES = 1_048_576;

/** The smallest event limit the config accepts: room for a useful prefix plus the truncation marker. */
export const MIN_EVENT_BYTES = 1_024;

/** PutLogEvents: "A batch of log events in a single request cannot span more than 24 hours." */
export const MAX_BATCH_SPAN_MS = 24 * 60 * 60 * 1000;

/** PutLogEvents: "None of the log events in the batch can be older than 14 days or older than the retention period of the log group." */
export const MAX_EVENT_AGE_MS = 14 * 24 * 60 * 60 * 1000;

/** PutLogEvents: "None of the log events in the batch can be more than 2 hours in the future." */
export const MAX_EVENT_FUTURE_MS = 2 * 60 * 60 * 1000;

/** CreateLogGroup: logGroupName is 1–512 characters. */
export const MAX_GROUP_NAME_CHARS = 512;

/** CreateLogGroup: logGroupName pattern `[\.\-_/#A-Za-z0-9]+`; this matches what it refuses. */
export const NOT_GROUP_NAME_CHARACTER = /[^.\-_/#A-Za-z0-9]/g;

/** CreateLogGroup: "Log group names can't start with the string aws/". */
export const RESERVED_GROUP_PREFIX = 'aws/';

/** CreateLogStream: logStreamName is 1–512 characters and "The ':' (colon) and '*' (asterisk) characters are not allowed." */
export const MAX_STREAM_NAME_CHARS = 512;
export const NOT_STREAM_NAME_CHARACTER = /[:*]/g;

/** PutRetentionPolicy: the retentionInDays values the API accepts. */
export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** CreateLogGroup tags: at most 50, keys 1–128 characters not starting with `aws:`, values up to 256 characters. */
export const MAX_TAGS = 50;
export const MAX_TAG_KEY_CHARS = 128;
export const MAX_TAG_VALUE_CHARS = 256;
export const TAG_KEY = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;
export const TAG_VALUE = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;
