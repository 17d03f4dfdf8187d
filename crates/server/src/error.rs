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
            AppError::Throttled { until } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "throttled",
                format!(
                    "Đăng nhập sai quá nhiều lần từ nơi này; hãy thử lại sau {} (too many failed sign-ins from this place; try again later)",
                    app::registry::format_vn_time(until)
                ),
            )
            .with_details(json!({
                "retry_after_seconds": (until - chrono::Utc::now()).num_seconds().max(1)
            })),
            AppError::Busy => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "busy",
                "Hàng đợi xử lý sự kiện đang đầy; hãy gửi lại sau (the event pipeline is full; send again later)",
            )
            .with_details(json!({"retry_after_seconds": 1})),
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
        let retry_after = self
            .details
            .get("retry_after_seconds")
            .and_then(Value::as_i64);
        let body =
            json!({"error": {"code": self.code, "message": self.message, "details": self.details}});
        let mut r = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = retry_after {
            r.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        r
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Every error answer of the API in the documented JSON shape: the answers
/// the framework makes itself (no route: 404, wrong method: 405, a query or
/// path that does not parse: 400, a body over the limit: 413) come as plain
/// text in English, and are rewritten here with a Vietnamese message first
/// and the framework's own words after.
pub async fn json_errors(r: Response) -> Response {
    let status = r.status();
    let is_json = r
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return r;
    }
    let (parts, body) = r.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let (code, vi) = match status {
        StatusCode::NOT_FOUND => ("not_found", "Không tìm thấy"),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "Đường dẫn này không nhận phương thức đã dùng",
        ),
        StatusCode::BAD_REQUEST => ("bad_request", "Yêu cầu không hợp lệ"),
        StatusCode::UNPROCESSABLE_ENTITY => ("invalid", "Dữ liệu không hợp lệ"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "Nội dung gửi lên quá lớn"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported_media_type", "Kiểu nội dung không được hỗ trợ")
        }
        StatusCode::UNAUTHORIZED => ("unauthenticated", "Cần đăng nhập"),
        StatusCode::FORBIDDEN => ("forbidden", "Không có quyền"),
        s if s.is_server_error() => ("internal", "Lỗi hệ thống"),
        _ => ("error", "Yêu cầu không thực hiện được"),
    };
    let en = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    } else {
        text
    };
    let mut out = ApiError::new(status, code, format!("{vi} ({en})")).into_response();
    for (name, value) in parts.headers.iter() {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}
