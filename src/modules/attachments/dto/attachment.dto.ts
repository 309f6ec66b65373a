import { ApiProperty } from '@nestjs/swagger';
import type { AttachmentRow } from '../attachments.repository';

export class AttachmentResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty({ format: 'uuid' }) conversationId!: string;
  /** The message it was sent with; null until then (only then may it be deleted). */
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) messageId!: string | null;
  @ApiProperty({ format: 'uuid' }) uploadedByUserId!: string;
  /** The uploaded name without any path or control characters. */
  @ApiProperty({ example: 'notes.txt' }) fileName!: string;
  @ApiProperty({ example: 'text/plain' }) contentType!: string;
  @ApiProperty({ example: 1234 }) sizeBytes!: number;
  /** Lower-case hex SHA-256 of the bytes. */
  @ApiProperty({
    example: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    pattern: '^[0-9a-f]{64}$',
  })
  sha256!: string;
  @ApiProperty() createdAt!: Date;
}

/** What of an attachment a client sees (not where it is stored). */
export function toAttachmentResponse(row: AttachmentRow): AttachmentResponseDto {
  const { id, orgId, conversationId, messageId, uploadedByUserId, fileName, contentType, sizeBytes, sha256 } = row;
  return {
    id,
    orgId,
    conversationId,
    messageId,
    uploadedByUserId,
    fileName,
    contentType,
    sizeBytes,
    sha256,
    createdAt: row.createdAt,
  };
}
