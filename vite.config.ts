/** Builds the web app (client/) into dist/, which the hub serves; `npm run dev:client` proxies to the hub. */
import { defineConfig } from 'vite';

const HUB = process.env.HUB_URL ?? 'http://localhost:3000';

export default defineConfig({
  root: 'client',
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022' },
  server: {
    port: 5173,
    proxy: {
      '/api': HUB,
      '/socket.io': { target: HUB, ws: true },
    },
  },
});
