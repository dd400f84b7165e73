import { Injectable } from '@nestjs/common';
import { encodeCursor } from '../../common/pagination/cursor';
import { toPage } from '../../common/pagination/to-page';
import { UsersService } from '../../users/users.service';
import type { CommentDocument } from './comment.schema';
import { CommentDto, type CommentPageDto } from './dto/comment.dto';

/** Turns comments into responses, resolving the authors' names in one query per page. */
@Injectable()
export class CommentPresenter {
  constructor(private readonly users: UsersService) {}

  async one(comment: CommentDocument): Promise<CommentDto> {
    return CommentDto.from(comment, await this.users.usernamesByIds([comment.userId]));
  }

  /** rows: limit + 1 comments, oldest first. */
  async page(rows: CommentDocument[], limit: number): Promise<CommentPageDto> {
    const { items, hasMore } = toPage(rows, limit);
    const usernames = await this.users.usernamesByIds(items.map((comment) => comment.userId));
    return {
      items: items.map((comment) => CommentDto.from(comment, usernames)),
      next: hasMore ? encodeCursor('comments', items[items.length - 1]._id) : null,
    };
  }
}
