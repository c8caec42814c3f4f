/**
 * Settings' sections, in the order the screen shows them: each one's name in the address
 * (`#/settings/<key>`, so a jump to it is a step Back undoes), its label in Settings' index, and
 * the id of the heading a jump lands on.
 */
export const SETTINGS_SECTIONS = [
  { key: 'account', label: 'Account', heading: 'keep-title' },
  { key: 'devices', label: 'Devices', heading: 'devices-title' },
  { key: 'notifications', label: 'Notifications', heading: 'notify-title' },
  { key: 'privacy', label: 'Privacy', heading: 'privacy-title' },
  { key: 'appearance', label: 'Appearance', heading: 'theme-title' },
  { key: 'messages', label: 'Messages', heading: 'messages-title' },
  { key: 'storage', label: 'Storage', heading: 'storage-title' },
  { key: 'home-peer', label: 'Home peer', heading: 'home-peer-title' },
  { key: 'about', label: 'About', heading: 'about-title' },
  { key: 'advanced', label: 'Advanced', heading: 'advanced-title' },
] as const;

/** A section of Settings, by its name in the address. */
export type SettingsSection = (typeof SETTINGS_SECTIONS)[number]['key'];

/** The section named `key`, if there is one. */
export function settingsSection(key: string): SettingsSection | undefined {
  return SETTINGS_SECTIONS.find((s) => s.key === key)?.key;
}

/** The id of the heading a jump to `section` lands on. */
export function sectionHeading(section: SettingsSection): string {
  return SETTINGS_SECTIONS.find((s) => s.key === section)!.heading;
}
