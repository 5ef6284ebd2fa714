// Amazon SNS (Query protocol, API 2010-03-31): Publish only, recording each message for the
// admin API (GET /sns/messages). Topics exist once created (admin POST /sns/topics); the
// environment's EB notification topic appears in DescribeConfigurationSettings when set.
import { randomUUID } from "node:crypto";
import type { FaultInjector } from "./faults.js";
import type { RequestHandler } from "./http.js";
import { AwsError } from "./wire-errors.js";
import { queryService, type QueryParams } from "./query-protocol.js";

export const SNS_NAMESPACE = "http://sns.amazonaws.com/doc/2010-03-31/";

export interface SnsMessage {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  receivedAt: string;
}

export class SnsTopics {
  private readonly topics = new Set<string>();
  readonly messages: SnsMessage[] = [];
  /** The environment's EB notification topic (aws:elasticbeanstalk:sns:topics), if one was set. */
  environmentTopic: string | undefined;

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  /** Creates (or returns) the topic; CreateTopic is idempotent by name in SNS too. */
  create(name: string, options: { environment?: boolean } = {}): string {
    if (!/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(name)) throw new AwsError("InvalidParameter", "Invalid parameter: Topic Name", 400);
    const arn = `arn:aws:sns:${this.region}:${this.accountId}:${name}`;
    this.topics.add(arn);
    if (options.environment) this.environmentTopic = arn;
    return arn;
  }

  list(): string[] {
    return [...this.topics];
  }

  /**
   * SNS API reference, Publish: TopicArn (or TargetArn/PhoneNumber) is required; a missing
   * topic is NotFound (HTTP 404, "Topic does not exist"); Message is required and at most
   * 256 KiB; Subject must be under 100 characters, without line breaks or control characters.
   */
  publish(p: QueryParams): { MessageId: string } {
    const topicArn = p.get("TopicArn") ?? p.get("TargetArn");
    if (!topicArn) throw new AwsError("InvalidParameter", "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter", 400);
    const message = p.get("Message");
    if (message === undefined || message === "") throw new AwsError("InvalidParameter", "Invalid parameter: Empty message", 400);
    if (Buffer.byteLength(message) > 262_144) throw new AwsError("InvalidParameter", "Invalid parameter: Message too long", 400);
    const subject = p.get("Subject");
    if (subject !== undefined && (subject.length >= 100 || subject === "" || /[\u0000-\u001f\u007f]/.test(subject))) {
      throw new AwsError("InvalidParameter", "Invalid parameter: Subject", 400);
    }
    if (!/^arn:aws[a-z-]*:sns:/.test(topicArn)) throw new AwsError("InvalidParameter", "Invalid parameter: TopicArn", 400);
    if (topicArn.split(":")[3] !== this.region) throw new AwsError("InvalidParameter", "Invalid parameter: TopicArn", 400);
    if (!this.topics.has(topicArn)) throw new AwsError("NotFound", "Topic does not exist", 404);
    const messageId = randomUUID();
    this.messages.push({ messageId, topicArn, ...(subject !== undefined ? { subject } : {}), message, receivedAt: new Date().toISOString() });
    return { MessageId: messageId };
  }
}

export function snsService(topics: SnsTopics, faults: FaultInjector): RequestHandler {
  return queryService({
    service: "sns",
    namespace: SNS_NAMESPACE,
    dialect: "query",
    faults,
    operations: { Publish: (p) => topics.publish(p) },
  });
}
