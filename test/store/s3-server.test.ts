import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { expect, test } from 'vitest';
import { startLocalS3 } from '../tools/s3-server.js';

test('the local S3 stand-in stores and serves objects over the S3 protocol, ranges included', async () => {
  const s3 = await startLocalS3();
  try {
    await s3.createBucket('mindlet-test');
    const body = new Uint8Array(1000).map((_, i) => i % 251);
    await s3.client.send(new PutObjectCommand({ Bucket: 'mindlet-test', Key: 'a/b.bin', Body: body }));
    const part = await s3.client.send(
      new GetObjectCommand({ Bucket: 'mindlet-test', Key: 'a/b.bin', Range: 'bytes=10-19' }),
    );
    expect(Array.from(await part.Body!.transformToByteArray())).toEqual(Array.from(body.subarray(10, 20)));
    await expect(s3.client.send(new GetObjectCommand({ Bucket: 'mindlet-test', Key: 'missing' }))).rejects.toThrow();
  } finally {
    await s3.stop();
  }
});
