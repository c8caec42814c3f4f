/**
 * 24x24 outline icons (SVG path data), drawn with `stroke: currentColor`: the navigation's, and
 * a group's picture (`friends`). Beside a label that names the control, they only help the eye.
 */
export const ICONS = {
  home: 'M4 11 12 4l8 7v9h-5v-6H9v6H4z',
  messages: 'M4 5h16v11H9l-5 4z',
  friends:
    'M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7zm-6 9c0-3.3 2.7-6 6-6s6 2.7 6 6M16 4.5a3.5 3.5 0 0 1 0 6.5m2 3.3c1.8.9 3 2.9 3 5.7',
  notifications: 'M6 16V11a6 6 0 0 1 12 0v5l2 2H4zm4 4h4',
  profile: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-7 8c0-3.9 3.1-7 7-7s7 3.1 7 7',
  settings:
    'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zm7.4-3a7.4 7.4 0 0 0-.1-1.3l2-1.6-2-3.4-2.4 1a7.5 7.5 0 0 0-2.2-1.3L14.3 3h-4l-.4 2.4a7.5 7.5 0 0 0-2.2 1.3l-2.4-1-2 3.4 2 1.6a7.4 7.4 0 0 0 0 2.6l-2 1.6 2 3.4 2.4-1a7.5 7.5 0 0 0 2.2 1.3l.4 2.4h4l.4-2.4a7.5 7.5 0 0 0 2.2-1.3l2.4 1 2-3.4-2-1.6c.1-.4.1-.9.1-1.3z',
} as const;
