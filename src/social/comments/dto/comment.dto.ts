import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { OptionalNotNull } from '../../../common/validation/optional-not-null';
import { PAGE_LIMIT_MAX } from '../../../common/pagination/page-query.dto';
import { type Comment, COMMENT_MAX_LENGTH } from '../comment.schema';

export class CreateCommentDto {
  @ApiProperty({ minLength: 1, maxLength: COMMENT_MAX_LENGTH, example: 'Lovely, @alice!', description: '@name mentions notify' })
  @IsString()
  @MinLength(1)
  @MaxLength(COMMENT_MAX_LENGTH)
  @Matches(/\S/, { message: 'body must not be blank' })
  body!: string;
}

/** Comments read oldest first, so the next page is `after` the last one shown. */
export class CommentPageQueryDto {
  @ApiPropertyOptional({ description: 'Cursor: the `next` value of the previous page; a value this list did not hand out is a 400' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(200)
  after?: string;

  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: PAGE_LIMIT_MAX, description: `Above ${PAGE_LIMIT_MAX} is a 400` })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_LIMIT_MAX)
  limit: number = 20;
}

export class CommentDto {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'bob', description: "The author's username" }) author!: string;
  @ApiProperty() body!: string;
  @ApiProperty() createdAt!: string;

  static from(comment: Comment & { _id: { toHexString(): string } }, usernames: ReadonlyMap<string, string>): CommentDto {
    return {
      id: comment._id.toHexString(),
      author: usernames.get(comment.userId.toHexString()) ?? '[unknown]',
      body: comment.body,
      createdAt: comment.createdAt.toISOString(),
    };
  }
}

export class CommentPageDto {
  @ApiProperty({ type: [CommentDto], description: 'Oldest first' })
  items!: CommentDto[];

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Pass as `after` for the next page; null on the last page' })
  next!: string | null;
}
