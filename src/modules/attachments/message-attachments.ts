import { Injectable } from '@nestjs/common';
import type { AttachmentForModel } from '../llm/model-gateway';

// CONTRACT (issue 10): the attachments helper implements this class; the messages code calls it.
// Both methods run in the caller's DbContext scope (the request's transaction, RLS applies).
// Signatures may gain optional parameters, never lose or change existing ones.

@Injectable()
export class MessageAttachments {
  /**
   * Links uploaded, not yet sent attachments of this conversation to a just-stored user message.
   * Unknown ids, ids of another conversation or org: 404 NOT_FOUND naming them; an attachment
   * already sent with another message: 409 CONFLICT. An empty list does nothing.
   */
  async attach(orgId: string, conversationId: string, messageId: string, attachmentIds: string[]): Promise<void> {
    void [orgId, conversationId, messageId, attachmentIds];
    throw new Error('MessageAttachments.attach is not implemented yet');
  }

  /**
   * What the model gets for the attachments of these messages, keyed by message id (messages
   * without attachments are absent). Text files as text, images as base64.
   */
  async forModel(
    orgId: string,
    conversationId: string,
    messageIds: string[],
  ): Promise<Map<string, AttachmentForModel[]>> {
    void [orgId, conversationId, messageIds];
    return new Map();
  }
}
