/**
 * The `http`, `sql` and `aws` blocks and `origin`, from old and new semantic conventions
 * (https://opentelemetry.io/docs/specs/semconv/http/, /database/, /cloud-providers/aws-sdk/).
 * Each block marks the span attributes it consumed, so they leave `metadata`.
 */
import type { AttrMap } from '../../otlp/attributes.ts';
import type { AwsBlock, HttpBlock, SqlBlock } from './document.ts';
import { isAwsSdkSpan, SPAN_KIND } from './names.ts';
import { stringOf, toInteger, type SpanAttrs } from './values.ts';

const DEFAULT_PORT: Readonly<Record<string, number>> = { http: 80, https: 443 };

/** A URL without its password (a URL can carry credentials; semantic conventions ask SDKs to redact, not all do); the rest unchanged. */
export function withoutPassword(url: string): string {
  return url.replace(/^((?:jdbc:)?[a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):[^/?#@]*@/i, '$1@');
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** scheme://host[:port]/target from parts, dropping the scheme's default port; undefined without any part. */
function urlFromParts(kind: number, a: SpanAttrs): string | undefined {
  const scheme = a.takeString('url.scheme', 'http.scheme') ?? 'http';
  const hostHeader = a.takeString('http.host'); // may already carry ":port"
  const host =
    hostHeader ??
    (kind === SPAN_KIND.SERVER
      ? a.takeString('server.address', 'http.server_name', 'net.host.name')
      : a.takeString('server.address', 'net.peer.name', 'net.peer.ip', 'network.peer.address'));
  const port = hostHeader !== undefined ? undefined : kind === SPAN_KIND.SERVER ? a.takeInt('server.port', 'net.host.port') : a.takeInt('server.port', 'net.peer.port');
  let target = a.takeString('http.target');
  if (target === undefined) {
    const path = a.takeString('url.path');
    const query = a.takeString('url.query');
    if (path !== undefined || query !== undefined) target = `${path ?? '/'}${query === undefined ? '' : `?${query}`}`;
  }
  if (host === undefined) return target;
  const portPart = port === undefined || DEFAULT_PORT[scheme] === port ? '' : `:${port}`;
  return `${scheme}://${hostHeader ?? bracketed(host)}${portPart}${target ?? '/'}`;
}

/** The `http` block, or undefined for spans with no HTTP method, status or URL. */
export function httpBlock(kind: number, a: SpanAttrs): HttpBlock | undefined {
  const method = a.string('http.request.method', 'http.method');
  const status = a.int('http.response.status_code', 'http.status_code');
  const full = a.string('url.full', 'http.url');
  if (!method && !status && !full) return undefined;
  const request: NonNullable<HttpBlock['request']> = {};
  const response: NonNullable<HttpBlock['response']> = {};
  if (method) {
    a.used.add(method.key);
    request.method = method.value;
  }
  if (full) {
    a.used.add(full.key);
    request.url = withoutPassword(full.value);
  } else {
    const built = urlFromParts(kind, a);
    if (built !== undefined) request.url = built;
  }
  const userAgent = a.takeString('user_agent.original', 'http.user_agent');
  if (userAgent !== undefined) request.user_agent = userAgent;
  const forwarded = a.takeString('http.client_ip'); // old conventions: the X-Forwarded-For address
  if (forwarded !== undefined) {
    request.client_ip = forwarded;
    request.x_forwarded_for = true;
  } else if (kind === SPAN_KIND.SERVER) {
    const client = a.takeString('client.address', 'net.peer.ip', 'network.peer.address');
    if (client !== undefined) request.client_ip = client;
  }
  if (status) {
    a.used.add(status.key);
    response.status = status.value;
  }
  const length = a.takeInt('http.response.body.size', 'http.response_content_length');
  if (length !== undefined) response.content_length = length;
  const block: HttpBlock = {};
  if (Object.keys(request).length > 0) block.request = request;
  if (Object.keys(response).length > 0) block.response = response;
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
  const system = a.string('db.system.name', 'db.system');
  if (!system || !SQL_SYSTEMS.has(system.value)) return undefined;
  a.used.add(system.key);
  const block: SqlBlock = {};
  const connection = a.takeString('db.connection_string');
  const db = a.takeString('db.namespace', 'db.name');
  if (connection !== undefined) {
    block.url = withoutPassword(connection);
  } else {
    const host = a.takeString('server.address', 'net.peer.name');
    const port = a.takeInt('server.port', 'net.peer.port');
    if (host !== undefined) block.url = `${system.value}://${bracketed(host)}${port === undefined ? '' : `:${port}`}/${db ?? ''}`;
  }
  block.database_type = system.value;
  const user = a.takeString('db.user');
  if (user !== undefined) block.user = user;
  const query = a.takeString('db.query.text', 'db.statement');
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

/**
 * The `aws` block: the call's operation, region, request id, account, table and queue from span
 * attributes (any document); ec2 / ecs / eks / elastic_beanstalk / cloudwatch_logs / xray from
 * resource attributes (segments only, and only on AWS).
 */
export function awsBlock(a: SpanAttrs, resource: AttrMap, isSegment: boolean): AwsBlock | undefined {
  const block: AwsBlock = {};
  const sdkCall = isAwsSdkSpan(a);
  const operation = a.takeString('aws.operation') ?? (sdkCall ? a.takeString('rpc.method', 'aws.remote.operation') : undefined);
  if (operation !== undefined) block.operation = operation;
  const region = a.takeString('aws.region') ?? (sdkCall ? a.takeString('cloud.region') : undefined);
  if (region !== undefined) block.region = region;
  const requestId = a.takeString('aws.request_id', 'aws.requestId', 'aws.request.id');
  if (requestId !== undefined) block.request_id = requestId;
  const account = a.takeString('aws.account_id') ?? (isSegment && onAws(resource) ? stringOf(resource, 'cloud.account.id') : undefined);
  if (account !== undefined) block.account_id = account;
  const queue = a.takeString('aws.sqs.queue.url', 'aws.queue_url', 'aws.queue.url', 'messaging.url');
  if (queue !== undefined) block.queue_url = queue;
  const tableList = strings(a.map['aws.dynamodb.table_names']);
  if (tableList.length > 0) a.used.add('aws.dynamodb.table_names');
  const table = a.takeString('aws.table_name', 'aws.table.name') ?? (tableList.length === 1 ? tableList[0] : undefined);
  if (table !== undefined) block.table_name = table;
  else if (tableList.length > 1) block.table_names = tableList;

  if (isSegment && onAws(resource)) {
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
  }
  return Object.keys(block).length === 0 ? undefined : block;
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
