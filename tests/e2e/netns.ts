/**
 * The project's own private network namespace for browser tests (design section 8): loopback plus
 * a veth pair, 10.77.0.1/24 <-> 10.77.0.2/24, with the default route through it. Chromium gathers
 * no WebRTC host candidate on loopback alone; inside this namespace it finds one on the veth, and
 * no packet can leave the machine. Made with `unshare -n` as root, `unshare -rn` (an unprivileged
 * user namespace) otherwise.
 */
import { spawnSync } from 'node:child_process';

/** Set to `1` in the environment of everything run inside the namespace. */
export const NETNS_ENV = 'KITH_IN_NETNS';

/** The shell script run by `unshare`: sets the namespace up, then execs its arguments. */
const SETUP_SCRIPT = `set -e
ip link set lo up
ip link add v0 type veth peer name v1
ip addr add 10.77.0.1/24 dev v0
ip addr add 10.77.0.2/24 dev v1
ip link set v0 up
ip link set v1 up
ip route add default via 10.77.0.2 dev v0
export ${NETNS_ENV}=1
exec "$@"`;

/** The command line that runs `command` with `args` inside a new namespace. */
export function netnsCommand(command: string, args: readonly string[]): [string, string[]] {
  const flags = process.getuid?.() === 0 ? ['-n'] : ['-rn'];
  return ['unshare', [...flags, 'bash', '-c', SETUP_SCRIPT, 'kith-netns', command, ...args]];
}

/** Whether a namespace can be made here: `undefined` if so, otherwise why not. */
export function whyNoNetns(): string | undefined {
  const [command, args] = netnsCommand('true', []);
  const probe = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (probe.error) return `cannot run ${command}: ${probe.error.message}`;
  if (probe.status === 0) return undefined;
  const detail = probe.stderr.trim() || `exit status ${probe.status ?? probe.signal}`;
  return `\`${command} ${args.slice(0, args.indexOf('bash')).join(' ')}\` failed: ${detail}`;
}
