/** Group shake names: 1-25 url-safe characters. */
export const GROUP_SHAKE_NAME = /^[A-Za-z0-9_-]{1,25}$/;

/**
 * Anything that could name a shake: group shake names, and user shakes named after usernames (up to 30).
 * A path parameter outside this pattern names no shake, so it is a 404 without a query.
 */
export const ANY_SHAKE_NAME = /^[A-Za-z0-9_-]{1,30}$/;
