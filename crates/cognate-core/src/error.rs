//! Cognito's error kinds: the one table that maps a failure to the name a
//! client sees in `__type` and to an HTTP status. Every layer returns
//! [`CoreError`]; only the API crate renders it.

use std::fmt;

/// A Cognito exception name. One row per error Cognate emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    // Generic AWS protocol / auth errors.
    UnknownOperation,
    Serialization,
    RequestTooLarge,
    Validation,
    MissingAuthenticationToken,
    IncompleteSignature,
    InvalidSignature,
    UnrecognizedClient,
    AccessDenied,
    // cognito-idp modelled errors.
    InvalidParameter,
    ResourceNotFound,
    NotAuthorized,
    UserNotFound,
    UsernameExists,
    AliasExists,
    GroupExists,
    DuplicateProvider,
    UnsupportedIdentityProvider,
    UserNotConfirmed,
    PasswordResetRequired,
    InvalidPassword,
    PasswordHistoryPolicyViolation,
    CodeMismatch,
    ExpiredCode,
    LimitExceeded,
    TooManyRequests,
    TooManyFailedAttempts,
    InvalidUserPoolConfiguration,
    CodeDeliveryFailure,
    InvalidEmailRoleAccessPolicy,
    ScopeDoesNotExist,
    InvalidOAuthFlow,
    UnsupportedOperation,
    UnsupportedTokenType,
    InvalidLambdaResponse,
    UserLambdaValidation,
    UnexpectedLambda,
    RefreshTokenReuse,
    SoftwareTokenMfaNotFound,
    EnableSoftwareTokenMfa,
    MfaMethodNotFound,
    UnsupportedUserState,
    Concurrent,
    // cognito-identity modelled errors.
    InvalidIdentityPoolConfiguration,
    ResourceConflict,
    DeveloperUserAlreadyRegistered,
    ExternalService,
    // IAM (awsQuery) errors.
    NoSuchEntity,
    EntityAlreadyExists,
    MalformedPolicyDocument,
    DeleteConflict,
    // STS (awsQuery) errors.
    InvalidIdentityToken,
    ExpiredToken,
    /// Temporary credentials past their expiry (AWS's `ExpiredToken`).
    ExpiredCredentials,
    IdpCommunication,
    IdpRejectedClaim,
    PackedPolicyTooLarge,
    InvalidClientTokenId,
    Internal,
    /// Modelled in the API but not implemented by this server yet.
    NotImplemented,
}

impl ErrorKind {
    /// The wire name clients dispatch on (`__type` and `x-amzn-ErrorType`).
    pub fn wire_name(self) -> &'static str {
        use ErrorKind::*;
        match self {
            UnknownOperation => "UnknownOperationException",
            Serialization => "SerializationException",
            RequestTooLarge => "RequestEntityTooLargeException",
            Validation => "ValidationException",
            MissingAuthenticationToken => "MissingAuthenticationTokenException",
            IncompleteSignature => "IncompleteSignatureException",
            InvalidSignature => "InvalidSignatureException",
            UnrecognizedClient => "UnrecognizedClientException",
            AccessDenied => "AccessDeniedException",
            InvalidParameter => "InvalidParameterException",
            ResourceNotFound => "ResourceNotFoundException",
            NotAuthorized => "NotAuthorizedException",
            UserNotFound => "UserNotFoundException",
            UsernameExists => "UsernameExistsException",
            AliasExists => "AliasExistsException",
            GroupExists => "GroupExistsException",
            DuplicateProvider => "DuplicateProviderException",
            UnsupportedIdentityProvider => "UnsupportedIdentityProviderException",
            UserNotConfirmed => "UserNotConfirmedException",
            PasswordResetRequired => "PasswordResetRequiredException",
            InvalidPassword => "InvalidPasswordException",
            PasswordHistoryPolicyViolation => "PasswordHistoryPolicyViolationException",
            CodeMismatch => "CodeMismatchException",
            ExpiredCode => "ExpiredCodeException",
            LimitExceeded => "LimitExceededException",
            TooManyRequests => "TooManyRequestsException",
            TooManyFailedAttempts => "TooManyFailedAttemptsException",
            InvalidUserPoolConfiguration => "InvalidUserPoolConfigurationException",
            CodeDeliveryFailure => "CodeDeliveryFailureException",
            InvalidEmailRoleAccessPolicy => "InvalidEmailRoleAccessPolicyException",
            ScopeDoesNotExist => "ScopeDoesNotExistException",
            InvalidOAuthFlow => "InvalidOAuthFlowException",
            UnsupportedOperation => "UnsupportedOperationException",
            UnsupportedTokenType => "UnsupportedTokenTypeException",
            InvalidLambdaResponse => "InvalidLambdaResponseException",
            UserLambdaValidation => "UserLambdaValidationException",
            UnexpectedLambda => "UnexpectedLambdaException",
            RefreshTokenReuse => "RefreshTokenReuseException",
            SoftwareTokenMfaNotFound => "SoftwareTokenMFANotFoundException",
            EnableSoftwareTokenMfa => "EnableSoftwareTokenMFAException",
            MfaMethodNotFound => "MFAMethodNotFoundException",
            UnsupportedUserState => "UnsupportedUserStateException",
            Concurrent => "ConcurrentModificationException",
            InvalidIdentityPoolConfiguration => "InvalidIdentityPoolConfigurationException",
            ResourceConflict => "ResourceConflictException",
            DeveloperUserAlreadyRegistered => "DeveloperUserAlreadyRegisteredException",
            ExternalService => "ExternalServiceException",
            // The awsQuery services name their errors without the suffix.
            NoSuchEntity => "NoSuchEntity",
            EntityAlreadyExists => "EntityAlreadyExists",
            MalformedPolicyDocument => "MalformedPolicyDocument",
            DeleteConflict => "DeleteConflict",
            InvalidIdentityToken => "InvalidIdentityToken",
            ExpiredToken => "ExpiredTokenException",
            ExpiredCredentials => "ExpiredToken",
            IdpCommunication => "IDPCommunicationError",
            IdpRejectedClaim => "IDPRejectedClaim",
            PackedPolicyTooLarge => "PackedPolicyTooLarge",
            InvalidClientTokenId => "InvalidClientTokenId",
            Internal => "InternalErrorException",
            // cognito-compat: an operation in the model that the server does not
            // implement answers with the generic "not supported" error the SDKs know.
            NotImplemented => "UnsupportedOperationException",
        }
    }

    /// HTTP status. Cognito answers 400 for client errors; the SigV4 family
    /// uses 403 as the rest of AWS does.
    pub fn status(self) -> u16 {
        use ErrorKind::*;
        match self {
            Internal => 500,
            MissingAuthenticationToken
            | IncompleteSignature
            | InvalidSignature
            | UnrecognizedClient
            | AccessDenied
            | InvalidClientTokenId
            | IdpRejectedClaim => 403,
            NoSuchEntity => 404,
            EntityAlreadyExists | DeleteConflict => 409,
            TooManyRequests => 429,
            RequestTooLarge => 413,
            _ => 400,
        }
    }
}

/// An error a client may see. `message` is safe to return: it never holds secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreError {
    pub kind: ErrorKind,
    pub message: String,
}

impl CoreError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidParameter, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ResourceNotFound, message)
    }
    pub fn pool_not_found(pool_id: &str) -> Self {
        Self::not_found(format!("User pool {pool_id} does not exist."))
    }
    pub fn user_not_found() -> Self {
        Self::new(ErrorKind::UserNotFound, "User does not exist.")
    }
    pub fn not_authorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotAuthorized, message)
    }
    pub fn group_not_found() -> Self {
        Self::not_found("Group not found.")
    }
    pub fn client_not_found(client_id: &str) -> Self {
        Self::not_found(format!("User pool client {client_id} does not exist."))
    }
    /// An internal failure: the detail is logged here, the client sees a generic message.
    pub fn internal(detail: impl fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(ErrorKind::Internal, "An internal error occurred.")
    }
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.wire_name(), self.message)
    }
}

impl std::error::Error for CoreError {}

impl From<cognate_crypto::CryptoError> for CoreError {
    fn from(e: cognate_crypto::CryptoError) -> Self {
        CoreError::internal(e)
    }
}

pub type CoreResult<T> = Result<T, CoreError>;
