import { BadMultipartError } from './upload-errors';

/** The optional text parts of an upload, next to its `file` part. */
export interface UploadFields {
  title?: string;
  description?: string;
  altText?: string;
  shake?: string;
}

/** Longest accepted value of each field, in characters; any other field name is refused. */
export const UPLOAD_FIELD_MAX_LENGTHS: Readonly<Record<keyof UploadFields, number>> = {
  title: 250,
  description: 10000,
  altText: 2000,
  shake: 25,
};

const FIELD_NAMES = Object.keys(UPLOAD_FIELD_MAX_LENGTHS) as (keyof UploadFields)[];

/** Enough bytes for the longest field in UTF-8, plus one so that busboy reports anything longer as truncated. */
export const UPLOAD_FIELD_MAX_BYTES = Math.max(...Object.values(UPLOAD_FIELD_MAX_LENGTHS)) * 4 + 1;

/** Adds one text part to the fields, or explains why it cannot be accepted. */
export function addUploadField(fields: UploadFields, name: string, value: string, truncated: boolean): void {
  if (name === 'file') throw new BadMultipartError('The part "file" must be a file (with a filename), not a text field');
  if (!isFieldName(name)) {
    throw new BadMultipartError(`Unknown field "${name}"; accepted fields are file, ${FIELD_NAMES.join(', ')}`);
  }
  if (fields[name] !== undefined) throw new BadMultipartError(`The field "${name}" was sent more than once`);
  const max = UPLOAD_FIELD_MAX_LENGTHS[name];
  if (truncated || [...value].length > max) {
    throw new BadMultipartError(`The field "${name}" is longer than ${max} characters`);
  }
  fields[name] = value;
}

function isFieldName(name: string): name is keyof UploadFields {
  return (FIELD_NAMES as string[]).includes(name);
}
