import { afterEach, describe, expect, it } from 'vitest';
import { consoleSink, createLogger, setLogSink, type LogRecord } from './log.ts';

describe('logger', () => {
  afterEach(() => setLogSink(consoleSink));

  it('sends namespaced records to the installed sink', () => {
    const records: LogRecord[] = [];
    const log = createLogger('feed:test');
    setLogSink((r) => records.push(r));
    log.warn('dropped entry', { reason: 'bad-signature' });
    log.debug('detail');
    expect(records).toEqual([
      {
        level: 'warn',
        namespace: 'feed:test',
        message: 'dropped entry',
        data: { reason: 'bad-signature' },
      },
      { level: 'debug', namespace: 'feed:test', message: 'detail' },
    ]);
  });
});
