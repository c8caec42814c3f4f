import { MemoryNetwork } from './memory-network.ts';
import { runTransportSuite } from './transport-suite.ts';

// The in-memory network's links owe replication the same behaviour as a data channel.
runTransportSuite('MemoryNetwork link', () => {
  const [a, b] = new MemoryNetwork().connect('a', 'b');
  return { a, b, settle: () => new Promise((r) => setTimeout(r, 0)) };
});
