/**
 * `certificate/<deviceId>`: a device's renewed certificate, signed by the identity key, one
 * record per entry. A record kind with no view: `peer/device-authority.ts` reads them.
 */
import { parseDeviceId, parseDocId, type DeviceId } from '../ids.ts';
import { expectFields, field, type RecordKind } from './kind.ts';

/** The certificate doc of one device. */
export interface CertificateRef {
  readonly kind: 'certificate';
  readonly device: DeviceId;
}

/** The `certificate` kind. */
export const certificateKind: RecordKind<CertificateRef> = {
  kind: 'certificate',
  shape: 'record',
  rank: 3,
  format: (ref) => parseDocId(`certificate/${ref.device}`),
  parse(fields) {
    expectFields('certificate', fields, 1);
    return { kind: 'certificate', device: parseDeviceId(field(fields, 0)) };
  },
  take: async () => undefined,
};
