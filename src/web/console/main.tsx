import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { makeQueryClient } from '../common/query.js';
import { onSessionEnded, onTwoFactorRequired } from '../common/api.js';
import '../common/styles.css';
import { applyTheme, storedTheme } from '../common/theme.js';
import './console.css';
import { ConsoleApp } from './app.js';
import { keys } from './queries.js';

// Before the first paint: the remembered theme, so a dark page does not flash light.
applyTheme(storedTheme());
const queryClient = makeQueryClient();
// Only a session that was working can end; re-reading "me" then shows the login page.
onSessionEnded(() => {
  if (queryClient.getQueryState(keys.me)?.status === 'success') void queryClient.resetQueries({ queryKey: keys.me });
});
// An admin now requires two-factor of this tech: "me" is refused too, and the console shows only its set-up.
// Once: "me" refused the same way is not asked again.
onTwoFactorRequired(() => {
  const me = queryClient.getQueryState(keys.me);
  if (me?.status === 'success' && me.fetchStatus === 'idle') void queryClient.invalidateQueries({ queryKey: keys.me });
});
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <ConsoleApp />
    </QueryClientProvider>
  </StrictMode>,
);
