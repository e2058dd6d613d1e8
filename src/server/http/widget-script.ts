/**
 * The script a company's website loads with one tag (docs/integrations.md, "Website widget"):
 *
 *   <script src="https://helpdesk.example/widget.js" data-key="…" async></script>
 *
 * It adds a launcher button; the button opens the Client Portal in a frame from this server
 * (`/widget/<key>/`), which only the company's listed origins may show. A host page that knows
 * its user adds `data-email`, `data-timestamp` and `data-signature` (signed by its server; see
 * services/widget.ts), and the frame signs that user in without asking. The identity goes to the
 * frame by postMessage once the frame asks for it, addressed to this server's origin only, never
 * in the frame's address. Plain ES5 without globals beyond `HelpdeskWidget`, so any page can run it.
 */
export const WIDGET_SCRIPT = `(function () {
  var tag = document.currentScript;
  if (!tag || window.HelpdeskWidget) return;
  var origin = new URL(tag.src, location.href).origin;
  var key = tag.getAttribute('data-key') || '';
  var identity = tag.getAttribute('data-signature')
    ? { email: tag.getAttribute('data-email') || '', timestamp: Number(tag.getAttribute('data-timestamp')), signature: tag.getAttribute('data-signature') }
    : null;
  var frame = null, panel = null, button = null;

  function style(el, css) { for (var k in css) el.style[k] = css[k]; return el; }

  function open() {
    if (!panel) {
      panel = style(document.createElement('div'), { position: 'fixed', right: '16px', bottom: '76px', width: 'min(380px, calc(100vw - 32px))', height: 'min(600px, calc(100vh - 96px))', zIndex: '2147483000', boxShadow: '0 8px 28px rgba(0,0,0,.3)', borderRadius: '10px', overflow: 'hidden', background: '#fff' });
      panel.id = 'helpdesk-widget-panel';
      frame = style(document.createElement('iframe'), { width: '100%', height: '100%', border: '0' });
      frame.title = tag.getAttribute('data-title') || 'Support chat';
      frame.src = origin + '/widget/' + encodeURIComponent(key) + '/';
      panel.appendChild(frame);
      document.body.appendChild(panel);
    }
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    frame.focus();
  }
  function close() {
    if (panel) panel.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    button.focus();
  }

  window.addEventListener('message', function (e) {
    if (!frame || e.source !== frame.contentWindow || e.origin !== origin || !e.data) return;
    if (e.data.type === 'helpdesk:ready' && identity) frame.contentWindow.postMessage({ type: 'helpdesk:identity', identity: identity }, origin);
    if (e.data.type === 'helpdesk:close') close();
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && panel && !panel.hidden) close();
  });

  function start() {
    button = style(document.createElement('button'), { position: 'fixed', right: '16px', bottom: '16px', zIndex: '2147483000', padding: '12px 18px', borderRadius: '24px', border: '0', background: tag.getAttribute('data-color') || '#0b5cad', color: '#fff', font: '600 15px system-ui, sans-serif', cursor: 'pointer', boxShadow: '0 4px 14px rgba(0,0,0,.25)' });
    button.type = 'button';
    button.id = 'helpdesk-widget-launcher';
    button.textContent = tag.getAttribute('data-label') || 'Chat with support';
    button.setAttribute('aria-expanded', 'false');
    button.setAttribute('aria-controls', 'helpdesk-widget-panel');
    button.addEventListener('click', function () { panel && !panel.hidden ? close() : open(); });
    document.body.appendChild(button);
  }

  window.HelpdeskWidget = {
    open: function () { open(); },
    close: function () { close(); },
    identify: function (id) { identity = id; }
  };
  if (document.body) start(); else document.addEventListener('DOMContentLoaded', start);
})();
`;
