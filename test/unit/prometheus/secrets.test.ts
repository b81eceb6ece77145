import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { parseSecretRef } from '../../../shared/secrets/secretRef.ts';
import { createSecretResolver, SecretError } from '../../../shared/secrets/secretResolver.ts';

const ssmMock = mockClient(SSMClient);
const smMock = mockClient(SecretsManagerClient);
afterEach(() => {
  ssmMock.reset();
  smMock.reset();
});

const resolver = () => createSecretResolver({ ssm: new SSMClient({ region: 'eu-west-1' }), secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }) });

describe('parseSecretRef', () => {
  it('parses the three forms', () => {
    expect(parseSecretRef('ssm:/prom/token', 'V')).toEqual({ source: 'ssm', name: '/prom/token', text: 'ssm:/prom/token' });
    expect(parseSecretRef('secretsmanager:prom', 'V')).toEqual({ source: 'secretsmanager', id: 'prom', text: 'secretsmanager:prom' });
    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prom-AbCdEf';
    expect(parseSecretRef(`secretsmanager:${arn}#password`, 'V')).toEqual({ source: 'secretsmanager', id: arn, jsonKey: 'password', text: `secretsmanager:${arn}#password` });
  });

  it.each(['plain-secret', 'ssm:', 'secretsmanager:', 'secretsmanager:x#', 'vault:/x'])('rejects %s naming the variable', (text) => {
    expect(() => parseSecretRef(text, 'MY_VAR')).toThrow(ConfigError);
    try {
      parseSecretRef(text, 'MY_VAR');
    } catch (err) {
      expect((err as ConfigError).variable).toBe('MY_VAR');
    }
  });
});

describe('createSecretResolver', () => {
  it('fetches an SSM parameter decrypted, once per resolver', async () => {
    ssmMock.on(GetParameterCommand, { Name: '/prom/token', WithDecryption: true }).resolves({ Parameter: { Value: 's3cr3t' } });
    const r = resolver();
    const ref = parseSecretRef('ssm:/prom/token', 'V');
    expect(await r.resolve(ref)).toBe('s3cr3t');
    expect(await r.resolve(ref)).toBe('s3cr3t');
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('reads a Secrets Manager string, or one key of a JSON secret', async () => {
    smMock.on(GetSecretValueCommand, { SecretId: 'plain' }).resolves({ SecretString: 'tok' });
    smMock.on(GetSecretValueCommand, { SecretId: 'json' }).resolves({ SecretString: '{"username":"u","password":"p"}' });
    smMock.on(GetSecretValueCommand, { SecretId: 'binary' }).resolves({ SecretBinary: Buffer.from('bin-secret') });
    const r = resolver();
    expect(await r.resolve(parseSecretRef('secretsmanager:plain', 'V'))).toBe('tok');
    expect(await r.resolve(parseSecretRef('secretsmanager:json#password', 'V'))).toBe('p');
    expect(await r.resolve(parseSecretRef('secretsmanager:binary', 'V'))).toBe('bin-secret');
  });

  it('names the reference, never the value, when the shape is wrong', async () => {
    smMock.on(GetSecretValueCommand, { SecretId: 'json' }).resolves({ SecretString: '{"password":"p"}' });
    smMock.on(GetSecretValueCommand, { SecretId: 'text' }).resolves({ SecretString: 'hunter2' });
    const r = resolver();
    await expect(r.resolve(parseSecretRef('secretsmanager:json#token', 'V'))).rejects.toMatchObject({ name: 'SecretError', reason: 'secret_key_missing' });
    const err = await r.resolve(parseSecretRef('secretsmanager:text#token', 'V')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretError);
    expect((err as SecretError).reason).toBe('secret_not_json');
    expect((err as SecretError).message).not.toContain('hunter2');
  });

  it('does not cache a failure; invalidate forces a new fetch', async () => {
    ssmMock.on(GetParameterCommand).rejectsOnce(new Error('ThrottlingException')).resolves({ Parameter: { Value: 'v1' } });
    const r = resolver();
    const ref = parseSecretRef('ssm:/p', 'V');
    await expect(r.resolve(ref)).rejects.toMatchObject({ reason: 'secret_unavailable', message: expect.stringContaining('ssm:/p') });
    expect(await r.resolve(ref)).toBe('v1');
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 'v2' } });
    expect(await r.resolve(ref)).toBe('v1');
    r.invalidate(ref);
    expect(await r.resolve(ref)).toBe('v2');
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(3);
  });
});
