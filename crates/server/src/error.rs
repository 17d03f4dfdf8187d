//! The one error type of the HTTP edge: it picks the status, tells the client
//! what it may know, and logs the rest.

use app::AppError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Value,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Value::Null,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "not_found", "Không tìm thấy (not found)"),
            AppError::Forbidden(why) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", why),
            AppError::Invalid(errs) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!("Dữ liệu không hợp lệ: {errs}"),
            )
            .with_details(json!(errs
                .0
                .iter()
                .map(|e| json!({"field": e.field, "reason": e.reason}))
                .collect::<Vec<_>>())),
            AppError::Conflict(why) => ApiError::new(StatusCode::CONFLICT, "conflict", why),
            AppError::TooLarge(why) => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", why),
            AppError::Unauthenticated => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Cần đăng nhập, hoặc tên đăng nhập/mật khẩu không đúng (sign-in required or wrong credentials)",
            ),
            AppError::Locked { until } => ApiError::new(
                StatusCode::LOCKED,
                "locked",
                format!(
                    "Tài khoản bị tạm khóa đến {} do đăng nhập sai nhiều lần (account locked)",
                    app::registry::format_vn_time(until)
                ),
            )
            .with_details(json!({"locked_until": until})),
            AppError::PasswordChangeRequired => ApiError::new(
                StatusCode::FORBIDDEN,
                "password_change_required",
                "Cần đổi mật khẩu trước khi tiếp tục (change your password first)",
            ),
            AppError::SecondFactorRequired => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "second_factor_required",
                "Cần nhập mã xác thực hai lớp (TOTP code required): POST /api/v1/auth/totp",
            ),
            AppError::SecondFactorEnrolmentRequired => ApiError::new(
                StatusCode::FORBIDDEN,
                "second_factor_enrolment_required",
                "Cần thiết lập xác thực hai lớp trong giao diện web (set up a second factor first)",
            ),
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Lỗi hệ thống; đã ghi nhật ký (internal error; it has been logged)",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            json!({"error": {"code": self.code, "message": self.message, "details": self.details}});
        (self.status, axum::Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
