import type { IncomingMessage } from 'node:http';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Where `pnpm dev` (or `pnpm start`) serves the API. */
const API_ORIGIN = 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  // The editor chunk (CodeMirror with JavaScript and TypeScript, ~170 kB gzipped) is one lazy unit.
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 600 },
  // The server puts a fresh nonce in place of this in every index.html it serves (CSP_NONCE_PLACEHOLDER
  // in apps/server/src/http/static-site.ts); the editor's styles carry it (src/editor.tsx).
  html: { cspNonce: 'SKILLBYTES_CSP_NONCE' },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/trpc': {
        target: API_ORIGIN,
        // Host becomes the API's own, and so does the Origin of a page served by this dev server:
        // the server's CSRF check wants a POST that carries its cookies to name its origin. A page
        // from anywhere else keeps its Origin, so the API still refuses it.
        changeOrigin: true,
        configure(proxy) {
          proxy.on('proxyReq', (proxyReq, req: IncomingMessage) => {
            const origin = req.headers.origin;
            if (origin !== undefined && origin === `http://${req.headers.host}`) {
              proxyReq.setHeader('origin', API_ORIGIN);
            }
          });
        },
      },
    },
  },
});
