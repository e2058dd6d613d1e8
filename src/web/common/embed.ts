/**
 * Inside the website widget's frame the portal lives under `/widget/<key>` (http/widget-routes.ts):
 * the app's paths stay as they are ("/chats/5") and the router (router.tsx) adds and removes that
 * prefix; the API client (api.ts) says the requests come from the frame. No `location` outside a
 * browser: unit tests import this module too.
 */
const widgetPrefix = typeof location === 'undefined' ? null : /^\/widget\/([A-Za-z0-9_-]{16,64})(?=\/|$)/.exec(location.pathname);
export const BASE = widgetPrefix ? widgetPrefix[0] : '';
/** The widget's key when the page is the website widget's frame, else null. */
export const WIDGET_KEY = widgetPrefix ? widgetPrefix[1] : null;
