/**
 * Reports of the Tech Console (services/reports.ts, docs/metrics.md): admins, and the techs an
 * admin allows, over the chats they have access to. Each report takes the same filters; the
 * drill-down and the export take them with the number they open.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Ctx } from '../../services/context.js';
import { techOf } from '../session.js';
import { answers } from '../answers.js';
import * as R from '../../../shared/reports.js';
import { reportChats, reportCompanies, reportDistributions, reportScope, reportSummary, reportTechs, reportVolume } from '../../services/reports.js';
import { exportCsv, exportJsonLines } from '../../services/report-export.js';

const Csv = z.string().describe('CSV (UTF-8), one row per chat, sent as an attachment and streamed');
const JsonLines = z.string().describe('JSON lines, one object per chat, streamed');

/** Chunks as they are made: the client reads the first rows while the last are still in the database. */
const streamed = (reply: FastifyReply, chunks: AsyncGenerator<string>) => reply.send(Readable.from(chunks));

export function reportRoutes(root: FastifyInstance, ctx: Ctx) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['reports'];
  app.get('/reports/summary', { schema: { tags, querystring: R.ReportQuery, response: answers(R.ReportSummary) } }, async (req) =>
    reportSummary(ctx.db, reportScope(techOf(req), req.query, ctx.now(), ctx.dialect)),
  );
  app.get('/reports/volume', { schema: { tags, querystring: R.ReportQuery, response: answers(R.ReportVolume) } }, async (req) =>
    reportVolume(ctx.db, reportScope(techOf(req), req.query, ctx.now(), ctx.dialect)),
  );
  app.get('/reports/distributions', { schema: { tags, querystring: R.ReportQuery, response: answers(R.ReportDistributions) } }, async (req) =>
    reportDistributions(ctx.db, reportScope(techOf(req), req.query, ctx.now(), ctx.dialect)),
  );
  app.get('/reports/techs', { schema: { tags, querystring: R.ReportQuery, response: answers(R.ReportTechs) } }, async (req) =>
    reportTechs(ctx.db, reportScope(techOf(req), req.query, ctx.now(), ctx.dialect)),
  );
  app.get('/reports/companies', { schema: { tags, querystring: R.ReportQuery, response: answers(R.ReportCompanies) } }, async (req) =>
    reportCompanies(ctx.db, reportScope(techOf(req), req.query, ctx.now(), ctx.dialect)),
  );
  app.get('/reports/chats', { schema: { tags, querystring: R.DrillQuery, response: answers(R.ReportChats) } }, async (req) => {
    const { limit, after, ...filters } = req.query;
    return reportChats(ctx.db, reportScope(techOf(req), filters, ctx.now(), ctx.dialect), limit, after);
  });
  app.get('/reports/export.csv', { schema: { tags, querystring: R.ExportQuery, response: answers(Csv) } }, async (req, reply) => {
    const scope = reportScope(techOf(req), req.query, ctx.now(), ctx.dialect);
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="chats.csv"')
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff');
    return streamed(reply, exportCsv(ctx.db, scope));
  });
  app.get('/reports/export.jsonl', { schema: { tags, querystring: R.ExportQuery, response: answers(JsonLines) } }, async (req, reply) => {
    const scope = reportScope(techOf(req), req.query, ctx.now(), ctx.dialect);
    reply.header('content-type', 'application/jsonl; charset=utf-8').header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
    return streamed(reply, exportJsonLines(ctx.db, scope));
  });
}
