/** The GitHub layer: publishing a computed result (comment, status, annotations) and fork handling. */
export {
  createGitHubClient,
  defaultApiUrl,
  type GitHubClient,
  type GitHubClientOptions,
  type GitHubLogger,
} from './client.js';
export {
  ACTIONS_BOT_LOGIN,
  COMMENT_BODY_LIMIT,
  CommentTooLongError,
  commentMarker,
  postComment,
  findStickyComment,
  resolveIdentity,
  upsertStickyComment,
  withMarker,
  type CommentIdentity,
  type StickyCommentResult,
  type StickyCommentTarget,
} from './comment.js';
export {
  STATUS_DESCRIPTION_LIMIT,
  setCommitStatus,
  truncateDescription,
  type CommitState,
  type CommitStatusResult,
  type CommitStatusTarget,
} from './status.js';
export {
  annotations,
  emitAnnotations,
  type Annotation,
  type AnnotationLevel,
  type AnnotationLimits,
} from './annotations.js';
export {
  PERMISSIONS_BLOCK,
  isPermissionError,
  isRateLimitError,
  permissionWarning,
  publish,
  type PublishOptions,
  type PublishResult,
} from './permissions.js';
export {
  ARTIFACT_LIMITS,
  ArtifactError,
  artifactPayload,
  loadArtifact,
  parseArtifact,
  reportShaMismatch,
  runTrust,
  verifyArtifactTarget,
  verifyPullRequest,
  workflowRunContext,
  type PullRequestRef,
  type RunTrust,
  type ReportArtifact,
  type VerifiedPullRequest,
  type WorkflowRunContext,
} from './fork.js';
export { pullRequestsForCommit, type CommitPullRequest } from './pulls.js';
export { DEFAULT_TRIM_NOTE, fitComment, type CommentSection } from './trim.js';
