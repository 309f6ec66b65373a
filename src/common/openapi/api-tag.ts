import { ApiTags } from '@nestjs/swagger';

const descriptions = new Map<string, string>();

/**
 * `@ApiTags(name)` with the tag's description for the document's tag list: each module
 * describes its own tag where it declares its controller. Controllers sharing a tag give the
 * description once.
 */
export function ApiTag(name: string, description?: string): ClassDecorator {
  if (description !== undefined) {
    const known = descriptions.get(name);
    if (known !== undefined && known !== description) throw new Error(`Tag ${name} has two descriptions`);
    descriptions.set(name, description);
  }
  return ApiTags(name);
}

export function tagDescription(name: string): string | undefined {
  return descriptions.get(name);
}
