import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { jobsFromEventBridgeEvent, jobsFromSqsRecord } from '../../src/batch/events.js';
import { MindletError } from '../../src/errors.js';
import {
  type AnnouncedObject,
  encodeNotificationKey,
  eventBridgeObjectCreated,
  eventTemplate,
  s3NotificationBody,
  sqsRecord,
} from '../tools/s3-events.js';

function templateRecord(name: string): SQSRecord {
  return eventTemplate<SQSEvent>(name).Records[0]!;
}

function invalidFormat(run: () => unknown): MindletError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MindletError);
    expect((error as MindletError).code).toBe('INVALID_FORMAT');
    return error as MindletError;
  }
  throw new Error('expected INVALID_FORMAT, nothing was thrown');
}

const object: AnnouncedObject = {
  bucket: 'data-bucket',
  key: 'in/a b/c+d (1)&é.jsonl',
  size: 1234,
  etag: '"0123456789abcdef0123456789abcdef"',
  versionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY',
};

describe('jobsFromSqsRecord', () => {
  it('reads the S3 notification template: URL-decoded key, size, ETag, version, trigger', () => {
    const record = templateRecord('sqs-s3-object-created');
    expect(jobsFromSqsRecord(record)).toEqual([
      {
        input: 's3://amzn-s3-demo-bucket/in/2024/03/digits batch(1).jsonl',
        etag: '"b21b84d653bb07b05b1e6b33684dc11b"',
        versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko',
        size: 48213,
        trigger: 'sqs:059f36b4-87a3-44ab-83d2-661975830a7d',
      },
    ]);
  });

  it("decodes keys as S3 encodes them ('+' is a space, a literal '+' is %2B, UTF-8 escapes)", () => {
    expect(encodeNotificationKey(object.key)).toBe('in/a+b/c%2Bd+%281%29%26%C3%A9.jsonl');
    const [job] = jobsFromSqsRecord(sqsRecord(s3NotificationBody(object), { messageId: 'm-1' }));
    expect(job).toEqual({
      input: `s3://data-bucket/${object.key}`,
      etag: '"0123456789abcdef0123456789abcdef"',
      versionId: object.versionId,
      size: 1234,
      trigger: 'sqs:m-1',
    });
  });

  it('ignores s3:TestEvent and events other than ObjectCreated', () => {
    expect(jobsFromSqsRecord(templateRecord('sqs-s3-test-event'))).toEqual([]);
    expect(jobsFromSqsRecord(sqsRecord(s3NotificationBody(object, 'ObjectRemoved:Delete')))).toEqual([]);
    expect(
      jobsFromSqsRecord(sqsRecord(s3NotificationBody(object, 'ObjectCreated:CompleteMultipartUpload'))),
    ).toHaveLength(1);
  });

  it('takes every ObjectCreated record of a notification with several', () => {
    const first = JSON.parse(s3NotificationBody(object)).Records[0];
    const second = JSON.parse(s3NotificationBody({ ...object, key: 'in/other.npy' }, 'ObjectCreated:Copy')).Records[0];
    const removed = JSON.parse(s3NotificationBody(object, 'ObjectRemoved:Delete')).Records[0];
    const jobs = jobsFromSqsRecord(sqsRecord(JSON.stringify({ Records: [first, removed, second] })));
    expect(jobs.map((job) => job.input)).toEqual([`s3://data-bucket/${object.key}`, 's3://data-bucket/in/other.npy']);
  });

  it('reads an EventBridge event inside SQS (keys are not URL-encoded there)', () => {
    const record = templateRecord('sqs-eventbridge-s3-object-created');
    expect(jobsFromSqsRecord(record)).toEqual([
      {
        input: 's3://amzn-s3-demo-bucket/in/2024/03/digits batch(1).npy',
        etag: '"4af981f98d22a0b9979da24b259e5e42-3"',
        versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
        size: 41088,
        trigger: 'sqs:c80e8021-a70a-42c7-a470-796e1186f753',
      },
    ]);
    const plus = eventBridgeObjectCreated({ ...object, key: 'in/a+b.npy' });
    expect(jobsFromSqsRecord(sqsRecord(JSON.stringify(plus)))[0]!.input).toBe('s3://data-bucket/in/a+b.npy');
  });

  it('reads an S3 notification wrapped in an SNS envelope', () => {
    const record = templateRecord('sqs-sns-s3-object-created');
    const [job] = jobsFromSqsRecord(record);
    expect(job!.input).toBe('s3://amzn-s3-demo-bucket/in/2024/03/digits batch(1).jsonl');
    expect(job!.trigger).toBe(`sqs:${record.messageId}`);
  });

  it('drops the literal "null" version of an unversioned object, keeps an absent one absent', () => {
    const body = JSON.parse(s3NotificationBody({ ...object, versionId: 'null' }));
    expect(jobsFromSqsRecord(sqsRecord(JSON.stringify(body)))[0]).not.toHaveProperty('versionId');
    const { versionId: _, ...unversioned } = object;
    expect(jobsFromSqsRecord(sqsRecord(s3NotificationBody(unversioned)))[0]).not.toHaveProperty('versionId');
  });

  it('refuses keys that climb out of their prefix or carry control characters', () => {
    for (const key of ['in/../secret.jsonl', 'in/./a.jsonl', 'in//a.jsonl', 'in/a\u0007.jsonl', 'in/a\n.jsonl']) {
      const error = invalidFormat(() => jobsFromSqsRecord(sqsRecord(s3NotificationBody({ ...object, key }))));
      expect(error.message).toContain('cannot be processed');
      invalidFormat(() => jobsFromSqsRecord(sqsRecord(JSON.stringify(eventBridgeObjectCreated({ ...object, key })))));
    }
    invalidFormat(() => jobsFromSqsRecord(sqsRecord(s3NotificationBody({ ...object, bucket: 'Not_A_Bucket' }))));
    const long = JSON.parse(s3NotificationBody(object));
    long.Records[0].s3.object.key = `in/${'a'.repeat(1100)}.jsonl`;
    invalidFormat(() => jobsFromSqsRecord(sqsRecord(JSON.stringify(long))));
  });

  it('refuses a malformed percent escape in a notification key', () => {
    const body = JSON.parse(s3NotificationBody(object));
    body.Records[0].s3.object.key = 'in/100%.jsonl';
    expect(invalidFormat(() => jobsFromSqsRecord(sqsRecord(JSON.stringify(body)))).message).toContain(
      'not URL-encoded',
    );
  });

  it('treats anything else as a poison message (INVALID_FORMAT naming the message)', () => {
    const bodies = [
      'not json at all',
      '[1,2,3]',
      '{"hello":"world"}',
      '{"Records":[]}',
      '{"Records":[{"eventSource":"aws:dynamodb","eventName":"INSERT"}]}',
      '{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put"}]}',
      JSON.stringify({ ...eventBridgeObjectCreated(object), source: 'aws.ec2' }),
      JSON.stringify({ Type: 'Notification', Message: 'not json' }),
      // SNS inside SNS is not something S3 sends.
      JSON.stringify({ Type: 'Notification', Message: JSON.stringify({ Type: 'Notification', Message: '{}' }) }),
    ];
    for (const body of bodies) {
      const error = invalidFormat(() => jobsFromSqsRecord(sqsRecord(body, { messageId: 'poison-1' })));
      expect(error.message).toContain('SQS message poison-1');
    }
    const badSize = JSON.parse(s3NotificationBody(object));
    badSize.Records[0].s3.object.size = -1;
    invalidFormat(() => jobsFromSqsRecord(sqsRecord(JSON.stringify(badSize))));
    const badEtag = JSON.parse(s3NotificationBody(object));
    badEtag.Records[0].s3.object.eTag = 42;
    invalidFormat(() => jobsFromSqsRecord(sqsRecord(JSON.stringify(badEtag))));
  });
});

describe('jobsFromEventBridgeEvent', () => {
  it('reads the direct EventBridge template with trigger eventbridge:<id>', () => {
    expect(jobsFromEventBridgeEvent(eventTemplate('eventbridge-s3-object-created'))).toEqual([
      {
        input: 's3://amzn-s3-demo-bucket/in/2024/03/digits batch(1).npy',
        etag: '"4af981f98d22a0b9979da24b259e5e42-3"',
        versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
        size: 41088,
        trigger: 'eventbridge:17793124-05d4-b198-2fde-7ededc63b103',
      },
    ]);
  });

  it('ignores other S3 detail types and refuses what is not an S3 EventBridge event', () => {
    expect(jobsFromEventBridgeEvent({ ...eventBridgeObjectCreated(object), 'detail-type': 'Object Deleted' })).toEqual(
      [],
    );
    invalidFormat(() => jobsFromEventBridgeEvent({ Records: [] }));
    invalidFormat(() => jobsFromEventBridgeEvent({ ...eventBridgeObjectCreated(object), source: 'custom.app' }));
    invalidFormat(() => jobsFromEventBridgeEvent({ ...eventBridgeObjectCreated(object), detail: { bucket: {} } }));
  });
});
