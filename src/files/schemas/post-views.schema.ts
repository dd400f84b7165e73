import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * A post's views, in a document of their own (keyed by the post's _id) that only the views fold writes. On the post
 * itself they would share a document with the counters the social jobs store, and FerretDB 1.x applies an update as
 * a read and a whole-document write: a fold racing a like's recount lost views (12 folds of one view each beside 12
 * likes left 3). Started from the post's own counts.views, which holds the views folded before this existed.
 */
@Schema({ collection: 'post_views' })
export class PostViews {
  @Prop({ type: Types.ObjectId, required: true })
  _id!: Types.ObjectId;

  @Prop({ required: true, default: 0 })
  views!: number;
}

export const PostViewsSchema = SchemaFactory.createForClass(PostViews);
