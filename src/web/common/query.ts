import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api.js';

/** Refusals (4xx) are answers, not glitches: retry only network and server errors. */
export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (count, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
        refetchOnWindowFocus: false,
        staleTime: 5000,
      },
      mutations: { retry: false },
    },
  });
}
