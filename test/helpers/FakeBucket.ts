/**
 * An S3 bucket in memory behind the real `S3Client` (aws-sdk-client-mock): ListObjectsV2 (prefix, StartAfter,
 * pages of MaxKeys in key order), GetObject (with a byte Range), DeleteObject. S3 has no local implementation here.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

export class FakeBucket {
  readonly client = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  readonly objects = new Map<string, Buffer>();
  /** Keys deleted, in order. */
  readonly deleted: string[] = [];
  /** Bytes handed out by GetObject, to check reads are bounded. */
  readonly bytesRead: number[] = [];
  private readonly mock = mockClient(this.client);

  constructor(
    readonly name: string,
    private readonly pageSize = 1_000,
  ) {
    const check = (bucket: unknown) => {
      if (bucket !== this.name) throw awsError('NoSuchBucket', `The specified bucket does not exist: ${String(bucket)}`);
    };
    this.mock.on(ListObjectsV2Command).callsFake((input: { Bucket: string; Prefix?: string; StartAfter?: string; ContinuationToken?: string; MaxKeys?: number }) => {
      check(input.Bucket);
      const after = input.ContinuationToken ?? input.StartAfter ?? '';
      const keys = [...this.objects.keys()].filter((k) => k.startsWith(input.Prefix ?? '') && k > after).sort();
      const page = keys.slice(0, Math.min(input.MaxKeys ?? 1_000, this.pageSize));
      const truncated = keys.length > page.length;
      return {
        Contents: page.map((Key) => ({ Key, Size: this.objects.get(Key)!.length })),
        KeyCount: page.length,
        IsTruncated: truncated,
        ...(truncated ? { NextContinuationToken: page.at(-1) } : {}),
      };
    });
    this.mock.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string; Range?: string }) => {
      check(input.Bucket);
      const body = this.objects.get(input.Key);
      if (body === undefined) throw awsError('NoSuchKey', 'The specified key does not exist.');
      const range = /^bytes=(\d+)-(\d+)$/.exec(input.Range ?? '');
      const bytes = range ? body.subarray(Number(range[1]), Number(range[2]) + 1) : body;
      this.bytesRead.push(bytes.length);
      return {
        ContentLength: bytes.length,
        Body: { transformToByteArray: () => Promise.resolve(new Uint8Array(bytes)), transformToString: () => Promise.resolve(bytes.toString('utf8')) },
      };
    });
    this.mock.on(DeleteObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
      check(input.Bucket);
      this.objects.delete(input.Key);
      this.deleted.push(input.Key);
      return {};
    });
  }

  get arn(): string {
    return `arn:aws:s3:::${this.name}`;
  }

  put(key: string, body: string | Buffer): void {
    this.objects.set(key, Buffer.isBuffer(body) ? body : Buffer.from(body));
  }

  restore(): void {
    this.mock.restore();
  }
}
