/**
 * The `http`, `sql` and `aws` blocks and `origin`, from old and new semantic conventions
 * (https://opentelemetry.io/docs/specs/semconv/http/, /database/, /cloud-providers/aws-sdk/).
 * Each block marks the span attributes it consumed, so they leave `metadata`.
 */
import type { AttrMap } from '../../otlp/attributes.ts';
import type { AwsBlock, HttpBlock, SqlBlock } from './document.ts';
import { isAwsSdkSpan, SPAN_KIND } from './names.ts';
import { K, stringOf, toInteger, type SpanAttrs } from './values.ts';

const DEFAULT_PORT: Readonly<Record<string, number>> = { http: 80, https: 443 };

/** A URL without its password (a URL can carry credentials; semantic conventions ask SDKs to redact, not all do); the rest unchanged. */
export function withoutPassword(url: string): string {
  if (!url.includes('@')) return url; // no credentials possible: skip the regex
  return url.replace(/^((?:jdbc:)?[a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):[^/?#@]*@/i, '$1@');
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** scheme://host[:port]/target from parts, dropping the scheme's default port; undefined without any part. */
function urlFromParts(kind: number, a: SpanAttrs): string | undefined {
  const scheme = a.takeString(K['url.scheme'], K['http.scheme']) ?? 'http';
  const hostHeader = a.takeString(K['http.host']); // may already carry ":port"
  const host =
    hostHeader ??
    (kind === SPAN_KIND.SERVER
      ? a.takeString(K['server.address'], K['http.server_name'], K['net.host.name'])
      : a.takeString(K['server.address'], K['net.peer.name'], K['net.peer.ip'], K['network.peer.address']));
  const port = hostHeader !== undefined ? undefined : kind === SPAN_KIND.SERVER ? a.takeInt(K['server.port'], K['net.host.port']) : a.takeInt(K['server.port'], K['net.peer.port']);
  let target = a.takeString(K['http.target']);
  if (target === undefined) {
    const path = a.takeString(K['url.path']);
    const query = a.takeString(K['url.query']);
    if (path !== undefined || query !== undefined) target = `${path ?? '/'}${query === undefined ? '' : `?${query}`}`;
  }
  if (host === undefined) return target;
  const portPart = port === undefined || DEFAULT_PORT[scheme] === port ? '' : `:${port}`;
  return `${scheme}://${hostHeader ?? bracketed(host)}${portPart}${target ?? '/'}`;
}

/** The `http` block, or undefined for spans with no HTTP method, status or URL. */
export function httpBlock(kind: number, a: SpanAttrs): HttpBlock | undefined {
  const method = a.takeString(K['http.request.method'], K['http.method']);
  const status = a.takeInt(K['http.response.status_code'], K['http.status_code']);
  const full = a.takeString(K['url.full'], K['http.url']);
  if (method === undefined && status === undefined && full === undefined) return undefined;
  const request: NonNullable<HttpBlock['request']> = {};
  if (method !== undefined) request.method = method;
  if (full !== undefined) {
    request.url = withoutPassword(full);
  } else {
    const built = urlFromParts(kind, a);
    if (built !== undefined) request.url = built;
  }
  const userAgent = a.takeString(K['user_agent.original'], K['http.user_agent']);
  if (userAgent !== undefined) request.user_agent = userAgent;
  const forwarded = a.takeString(K['http.client_ip']); // old conventions: the X-Forwarded-For address
  if (forwarded !== undefined) {
    request.client_ip = forwarded;
    request.x_forwarded_for = true;
  } else if (kind === SPAN_KIND.SERVER) {
    const client = a.takeString(K['client.address'], K['net.peer.ip'], K['network.peer.address']);
    if (client !== undefined) request.client_ip = client;
  }
  const length = a.takeInt(K['http.response.body.size'], K['http.response_content_length']);
  const block: HttpBlock = {};
  // An empty request stays out (a span with only a status); so does an empty response.
  if (method !== undefined || request.url !== undefined || userAgent !== undefined || request.client_ip !== undefined) block.request = request;
  if (status !== undefined || length !== undefined) {
    const response: NonNullable<HttpBlock['response']> = {};
    if (status !== undefined) response.status = status;
    if (length !== undefined) response.content_length = length;
    block.response = response;
  }
  return block;
}

/**
 * SQL engines by `db.system` / `db.system.name` (https://opentelemetry.io/docs/specs/semconv/attributes-registry/db/):
 * the old and the new names.
 */
const SQL_SYSTEMS: ReadonlySet<string> = new Set([
  'other_sql', 'adabas', 'cache', 'intersystems.cache', 'clickhouse', 'cloudscape', 'cockroachdb', 'coldfusion', 'db2', 'ibm.db2', 'derby',
  'edb', 'firebird', 'firstsql', 'filemaker', 'h2', 'hanadb', 'sap.hana', 'hive', 'hsqldb', 'informix', 'ibm.informix', 'ingres',
  'actian.ingres', 'instantdb', 'interbase', 'mariadb', 'maxdb', 'sap.maxdb', 'mssql', 'microsoft.sql_server', 'mssqlcompact', 'mysql',
  'netezza', 'ibm.netezza', 'oracle', 'oracle.db', 'pervasive', 'pointbase', 'postgresql', 'progress', 'redshift', 'aws.redshift',
  'spanner', 'gcp.spanner', 'sqlite', 'sybase', 'teradata', 'trino', 'vertica',
]);

/** The `sql` block for SQL databases (url, database_type, user, sanitized_query); undefined otherwise. */
export function sqlBlock(a: SpanAttrs): SqlBlock | undefined {
  const system = a.string(K['db.system.name'], K['db.system']);
  if (system === undefined || !SQL_SYSTEMS.has(system)) return undefined;
  a.takeString(K['db.system.name'], K['db.system']);
  const block: SqlBlock = {};
  const connection = a.takeString(K['db.connection_string']);
  const db = a.takeString(K['db.namespace'], K['db.name']);
  if (connection !== undefined) {
    block.url = withoutPassword(connection);
  } else {
    const host = a.takeString(K['server.address'], K['net.peer.name']);
    const port = a.takeInt(K['server.port'], K['net.peer.port']);
    if (host !== undefined) block.url = `${system}://${bracketed(host)}${port === undefined ? '' : `:${port}`}/${db ?? ''}`;
  }
  block.database_type = system;
  const user = a.takeString(K['db.user']);
  if (user !== undefined) block.user = user;
  const query = a.takeString(K['db.query.text'], K['db.statement']);
  if (query !== undefined) block.sanitized_query = query;
  return block;
}

function strings(v: unknown): string[] {
  if (typeof v === 'string') return v === '' ? [] : v.split('&').filter((s) => s !== ''); // OTEL_RESOURCE_ATTRIBUTES can only carry strings
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : [];
}

function compactObject<T extends object>(o: T): T | undefined {
  const entries = Object.entries(o).filter(([, v]) => v !== undefined);
  return entries.length === 0 ? undefined : (Object.fromEntries(entries) as T);
}

/** Whether resource-derived AWS fields apply: `cloud.provider` absent or `aws`. */
function onAws(resource: AttrMap): boolean {
  const provider = stringOf(resource, 'cloud.provider');
  return provider === undefined || provider === 'aws';
}

/** What a resource gives every segment's `aws` block, read once per resource; undefined off AWS. */
export interface AwsResourceFields {
  accountId: string | undefined;
  /** ec2 / ecs / eks / elastic_beanstalk / cloudwatch_logs / xray, in that order; shared by the documents, never changed. */
  parts: AwsBlock;
}

export function awsResourceFields(resource: AttrMap): AwsResourceFields | undefined {
  if (!onAws(resource)) return undefined;
  const block: AwsBlock = {};
  const r = (key: string): string | undefined => stringOf(resource, key);
  const platform = r('cloud.platform');
  const zone = r('cloud.availability_zone');
  if (platform === 'aws_ec2') {
    const ec2 = compactObject({ instance_id: r('host.id'), availability_zone: zone, instance_size: r('host.type'), ami_id: r('host.image.id') });
    if (ec2) block.ec2 = ec2;
  }
  if (platform === 'aws_ecs') {
    const ecs = compactObject({
      container: r('container.name'),
      container_id: r('container.id'),
      task_arn: r('aws.ecs.task.arn'),
      task_family: r('aws.ecs.task.family'),
      cluster_arn: r('aws.ecs.cluster.arn'),
      container_arn: r('aws.ecs.container.arn'),
      availability_zone: zone,
      launch_type: r('aws.ecs.launchtype'),
    });
    if (ecs) block.ecs = ecs;
  }
  if (platform === 'aws_eks') {
    const eks = compactObject({ cluster_name: r('k8s.cluster.name'), pod: r('k8s.pod.name'), container_id: r('container.id') });
    if (eks) block.eks = eks;
  }
  if (platform === 'aws_elastic_beanstalk') {
    const deployment = toInteger(resource['service.instance.id']);
    const eb = compactObject({ environment_name: r('service.namespace'), version_label: r('service.version'), deployment_id: deployment });
    if (eb) block.elastic_beanstalk = eb;
  }
  const arns = strings(resource['aws.log.group.arns']);
  const groups = strings(resource['aws.log.group.names']);
  // An ARN names its group as the 7th field: arn:aws:logs:region:account:log-group:NAME[:*].
  if (arns.length > 0) block.cloudwatch_logs = arns.map((arn) => ({ log_group: arn.split(':')[6] ?? arn, arn }));
  else if (groups.length > 0) block.cloudwatch_logs = groups.map((g) => ({ log_group: g }));
  const sdkName = r('telemetry.sdk.name');
  const language = r('telemetry.sdk.language');
  const xray = compactObject({
    sdk: sdkName === undefined ? undefined : language === undefined ? sdkName : `${sdkName} for ${language}`,
    sdk_version: r('telemetry.sdk.version'),
    auto_instrumentation: r('telemetry.auto.version') !== undefined || r('telemetry.distro.version') !== undefined ? true : undefined,
  });
  if (xray) block.xray = xray;
  return { accountId: r('cloud.account.id'), parts: block };
}

/**
 * The `aws` block: the call's operation, region, request id, account, table and queue from span
 * attributes (any document); ec2 / ecs / eks / elastic_beanstalk / cloudwatch_logs / xray from
 * resource attributes (`resource`: segments only, and only on AWS).
 */
export function awsBlock(a: SpanAttrs, resource: AwsResourceFields | undefined): AwsBlock | undefined {
  let block: AwsBlock | undefined;
  const sdkCall = isAwsSdkSpan(a);
  const operation = a.takeString(K['aws.operation']) ?? (sdkCall ? a.takeString(K['rpc.method'], K['aws.remote.operation']) : undefined);
  if (operation !== undefined) (block ??= {}).operation = operation;
  const region = a.takeString(K['aws.region']) ?? (sdkCall ? a.takeString(K['cloud.region']) : undefined);
  if (region !== undefined) (block ??= {}).region = region;
  const requestId = a.takeString(K['aws.request_id'], K['aws.requestId'], K['aws.request.id']);
  if (requestId !== undefined) (block ??= {}).request_id = requestId;
  const account = a.takeString(K['aws.account_id']) ?? resource?.accountId;
  if (account !== undefined) (block ??= {}).account_id = account;
  const queue = a.takeString(K['aws.sqs.queue.url'], K['aws.queue_url'], K['aws.queue.url'], K['messaging.url']);
  if (queue !== undefined) (block ??= {}).queue_url = queue;
  const tables = a.value(K['aws.dynamodb.table_names']);
  const tableList = tables === undefined ? [] : strings(tables);
  if (tableList.length > 0) a.use(K['aws.dynamodb.table_names']);
  const table = a.takeString(K['aws.table_name'], K['aws.table.name']) ?? (tableList.length === 1 ? tableList[0] : undefined);
  if (table !== undefined) (block ??= {}).table_name = table;
  else if (tableList.length > 1) (block ??= {}).table_names = tableList;
  if (resource && Object.keys(resource.parts).length > 0) block = Object.assign(block ?? {}, resource.parts);
  return block;
}

/** `origin` from cloud.platform, only on AWS (https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html#api-segmentdocuments-fields). */
export function originOf(resource: AttrMap): string | undefined {
  if (!onAws(resource)) return undefined;
  switch (stringOf(resource, 'cloud.platform')) {
    case 'aws_ec2':
      return 'AWS::EC2::Instance';
    case 'aws_ecs': {
      const launch = stringOf(resource, 'aws.ecs.launchtype');
      return launch === 'fargate' ? 'AWS::ECS::Fargate' : launch === 'ec2' ? 'AWS::ECS::EC2' : 'AWS::ECS::Container';
    }
    case 'aws_eks':
      return 'AWS::EKS::Container';
    case 'aws_elastic_beanstalk':
      return 'AWS::ElasticBeanstalk::Environment';
    case 'aws_app_runner':
      return 'AWS::AppRunner::Service';
    default:
      return undefined;
  }
}
