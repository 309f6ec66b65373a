import type { FastifyRequest } from 'fastify';
import { AppException } from '../../common/errors/app-exception';

/** One uploaded file, read whole (its size is bounded by ATTACHMENT_MAX_BYTES). */
export interface Upload {
  fileName: string;
  contentType: string;
  bytes: Buffer;
}

export const UPLOAD_FIELD = 'file';

/**
 * Reads the `file` part of a multipart/form-data request (@fastify/multipart, registered in
 * app.setup with the size limit). 415 for another body type, 413 past `maxBytes`, 400 without
 * the file part.
 */
export async function readUpload(request: FastifyRequest, maxBytes: number): Promise<Upload> {
  if (!request.isMultipart())
    throw new AppException('UNSUPPORTED_MEDIA_TYPE', 'Upload the file as multipart/form-data with a `file` part');
  let part;
  try {
    part = await request.file({ limits: { fileSize: maxBytes, files: 1 } });
  } catch (error) {
    throw badMultipart(error);
  }
  if (!part || part.fieldname !== UPLOAD_FIELD) {
    // Drain what was sent so the connection stays usable.
    part?.file.resume();
    throw new AppException('VALIDATION_FAILED', 'The form has no `file` part', [
      { field: UPLOAD_FIELD, messages: ['file is required'] },
    ]);
  }
  let bytes: Buffer;
  try {
    bytes = await part.toBuffer();
  } catch (error) {
    if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE')
      throw new AppException('PAYLOAD_TOO_LARGE', `The file is larger than ${maxBytes} bytes, the most allowed`);
    throw badMultipart(error);
  }
  return { fileName: part.filename, contentType: part.mimetype, bytes };
}

function badMultipart(error: unknown): AppException {
  return new AppException('VALIDATION_FAILED', `The multipart body is not valid: ${(error as Error).message}`);
}
