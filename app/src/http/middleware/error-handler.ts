// The one place where errors become responses. Problems thrown on purpose keep their status; errors
// from body parsing become 400/413/415; anything else is a 500 without internals, logged with its stack
// and the trace id the client is given to quote.
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../../logging/logger.ts';
import { HttpProblem, ProblemType, sendProblem, type ProblemDetails } from '../problem.ts';

/** body-parser / raw-body error types and what the client did wrong. */
const CLIENT_ERRORS: Record<string, { status: number; title: string; detail: (e: BodyError) => string }> = {
  'entity.parse.failed': {
    status: 400,
    title: 'Malformed JSON body',
    detail: () => 'the body is not valid JSON',
  },
  'entity.too.large': {
    status: 413,
    title: 'Content Too Large',
    detail: (e) => `the body exceeds the limit of ${e.limit ?? '?'} bytes`,
  },
  'entity.verify.failed': {
    status: 400,
    title: 'Invalid body',
    detail: () => 'the body failed verification',
  },
  'encoding.unsupported': {
    status: 415,
    title: 'Unsupported Content-Encoding',
    detail: () => 'supported encodings: identity, gzip, deflate, br',
  },
  'charset.unsupported': {
    status: 415,
    title: 'Unsupported charset',
    detail: (e) => `charset ${e.charset ?? '?'} is not supported`,
  },
  'request.aborted': { status: 400, title: 'Request aborted', detail: () => 'the client aborted the body' },
  'request.size.invalid': {
    status: 400,
    title: 'Bad Request',
    detail: () => 'the body length does not match Content-Length',
  },
  'stream.encoding.set': {
    status: 500,
    title: 'Internal Server Error',
    detail: () => 'stream encoding misconfigured',
  },
};

interface BodyError {
  type?: string;
  status?: number;
  statusCode?: number;
  limit?: number;
  charset?: string;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error); // Express closes the connection: nothing else can be said
      return;
    }
    if (error instanceof HttpProblem) {
      sendProblem(res, { ...error.problem, instance: req.path }, { ...error.headers });
      return;
    }
    const bodyError = (typeof error === 'object' && error !== null ? error : {}) as BodyError;
    const known = bodyError.type ? CLIENT_ERRORS[bodyError.type] : undefined;
    const status = bodyError.status ?? bodyError.statusCode;
    if (known && known.status < 500) {
      sendProblem(res, {
        type: ProblemType.blank,
        title: known.title,
        status: known.status,
        detail: known.detail(bodyError),
        instance: req.path,
      });
      return;
    }
    if (!known && typeof status === 'number' && status >= 400 && status < 500) {
      sendProblem(res, { type: ProblemType.blank, title: 'Bad Request', status, instance: req.path });
      return;
    }
    const span = trace.getActiveSpan();
    const traceId = span?.spanContext().traceId;
    if (span && error instanceof Error) {
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    }
    logger.error({ err: error }, 'unhandled error');
    const problem: ProblemDetails = {
      type: ProblemType.blank,
      title: 'Internal Server Error',
      status: 500,
      detail: 'an unexpected error occurred; quote the trace_id when reporting it',
      instance: req.path,
      ...(traceId ? { trace_id: traceId } : {}),
    };
    sendProblem(res, problem);
  };
}
