import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AmphiError, ERRORS, type ErrorBody, type ErrorCode } from '@amphi/protocol';

/** Fastify's own error codes for bad input, mapped to ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
};

export function errorBody(code: ErrorCode, message?: string, issues?: ErrorBody['issues']): ErrorBody {
  return { code, message: message ?? ERRORS[code].message, ...(issues ? { issues } : {}) };
}

/** Every HTTP error leaves as `{ code, message, issues? }` with the registry's status. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AmphiError) {
      return reply.status(error.status).send(errorBody(error.code, error.message, error.issues && [...error.issues]));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((v) => ({ path: v.instancePath.replace(/^\//, '').replaceAll('/', '.') || (error.validationContext ?? ''), message: v.message ?? 'invalid' }));
      return reply.status(400).send(errorBody('VALIDATION_FAILED', undefined, issues));
    }
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (mapped) return reply.status(ERRORS[mapped].status).send(errorBody(mapped));
    if (error.statusCode === 429) return reply.status(429).send(errorBody('RATE_LIMITED'));
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send(errorBody('VALIDATION_FAILED', error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send(errorBody('INTERNAL'));
  });
}

/** Unknown routes answer 404 NOT_FOUND (used when the web app, which has its own fallback, is not served). */
export function registerNotFound(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => reply.status(404).send(errorBody('NOT_FOUND')));
}
