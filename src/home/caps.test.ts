import { describe, expect, it } from 'vitest';
import { CapFlagError, formatBytes, parseSize, takeCaps } from './caps.ts';

describe('parseSize', () => {
  it.each([
    ['1000000', 1_000_000],
    ['500MB', 500_000_000],
    ['500mb', 500_000_000],
    ['2.5 GB', 2_500_000_000],
    ['20G', 20_000_000_000],
    ['1GiB', 2 ** 30],
    ['64KiB', 65_536],
    ['1TB', 1e12],
  ])('%s is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'lots', '-5GB', '5 XB', '1e9', 'GB', '99999999999TB'])('refuses %j', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });
});

describe('takeCaps', () => {
  it('takes the cap flags and their values, in either form, and keeps the rest in order', () => {
    expect(takeCaps(['--json', '--quota', '20GB', 'home', '--max-connections=8'])).toEqual({
      caps: { quotaBytes: 20e9, maxConnections: 8 },
      rest: ['--json', 'home'],
    });
    expect(takeCaps(['home'])).toEqual({ caps: {}, rest: ['home'] });
  });

  it.each([
    [['--quota'], '--quota needs a value'],
    [['--quota='], '--quota needs a value'],
    [['--quota', '999kB'], '--quota must be at least 1MB'],
    [['--max-connections', '257'], 'from 1 to 256, not 257'],
    [['--max-connections', '-1'], 'from 1 to 256, not -1'],
    [['--max-connections=1', '--max-connections=2'], 'give --max-connections once'],
  ])('refuses %j', (argv, message) => {
    expect(() => takeCaps(argv)).toThrow(CapFlagError);
    expect(() => takeCaps(argv)).toThrow(message);
  });
});

describe('formatBytes', () => {
  it('says megabytes, or gigabytes from one', () => {
    expect(formatBytes(2_500_000)).toBe('2.5 MB');
    expect(formatBytes(20e9)).toBe('20.0 GB');
  });
});
