import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.ts';
import { childLocation, entryName, keyUnder, objectUrl, parseObjectUrl } from './object-url.ts';

describe('object URLs', () => {
  it('parses bucket and prefix, dropping outer slashes', () => {
    expect(parseObjectUrl('s3://bucket/prefix/model/')).toEqual({ scheme: 's3', bucket: 'bucket', prefix: 'prefix/model' });
    expect(parseObjectUrl('s3://my.bucket-1')).toEqual({ scheme: 's3', bucket: 'my.bucket-1', prefix: '' });
    expect(objectUrl(parseObjectUrl('s3://b/p/m'))).toBe('s3://b/p/m');
    expect(objectUrl(parseObjectUrl('s3://b'))).toBe('s3://b');
  });

  it('drops repeated slashes around the prefix', () => {
    expect(parseObjectUrl('s3://b//p/m')).toEqual({ scheme: 's3', bucket: 'b', prefix: 'p/m' });
    expect(parseObjectUrl('s3://b/p/m//')).toEqual({ scheme: 's3', bucket: 'b', prefix: 'p/m' });
    expect(parseObjectUrl('s3://b///')).toEqual({ scheme: 's3', bucket: 'b', prefix: '' });
  });

  it.each([
    ['s3://-b/m', '"s3://-b/m": invalid bucket name "-b"'],
    ['s3://b!/m', '"s3://b!/m": invalid bucket name "b!"'],
    ['s3://my bucket/m', '"s3://my bucket/m": invalid bucket name "my bucket"'],
  ])('refuses the bucket name in %s, wherever the bad character is', (url, message) => {
    expect(() => parseObjectUrl(url)).toThrow(new ConfigError(message));
  });

  it.each([
    ['gs://b/m', 'is not a s3:// URL'],
    ['s3://', 'invalid bucket name ""'],
    ['s3://b/a/../m', 'must not have empty, "." or ".." segments'],
    ['s3://b/a//m', 'must not have empty'],
    ['s3://b/m?x=1', 'is not a s3:// URL'],
  ])('rejects %s', (url, message) => {
    expect(() => parseObjectUrl(url)).toThrow(message);
  });

  it('joins model names only when they stay one segment under the root', () => {
    const root = parseObjectUrl('s3://b/repo');
    expect(childLocation(root, 'm')).toEqual({ scheme: 's3', bucket: 'b', prefix: 'repo/m' });
    expect(childLocation({ ...root, prefix: '' }, 'm').prefix).toBe('m');
    for (const bad of ['..', '.', '', 'a/b', '../x', 'a\\b']) expect(() => childLocation(root, bad)).toThrow('invalid model name');
  });

  it('builds keys under the prefix and refuses paths that leave it', () => {
    expect(keyUnder('p/m', '1/model.onnx')).toBe('p/m/1/model.onnx');
    expect(keyUnder('', '1/model.onnx')).toBe('1/model.onnx');
    for (const bad of ['../x', '1/../../x', '/x', '', '1//x', 'a\\..\\b']) expect(keyUnder('p/m', bad)).toBeNull();
  });

  it('names listed entries relative to the listed prefix', () => {
    expect(entryName('p/m/', 'p/m/1/')).toBe('1');
    expect(entryName('p/m/', 'p/m/model.json')).toBe('model.json');
    expect(entryName('p/m/', 'p/m2/1/')).toBeNull();
    expect(entryName('p/m/', 'p/m/')).toBeNull();
  });

  it('ignores keys outside the listed prefix and keys more than one level below it', () => {
    expect(entryName('p/m/', 'q/n/1/')).toBeNull(); // as long as the prefix, but another folder
    expect(entryName('p/m/', 'p/m/1/model.onnx')).toBeNull();
    expect(entryName('', '1/model.onnx')).toBeNull();
    expect(entryName('', '1/')).toBe('1');
  });
});
