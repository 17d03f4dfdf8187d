//! Outgoing notifications and the states their delivery goes through.

use crate::text_enum::text_enum;

text_enum! {
    /// Where a queued message stands.
    DeliveryStatus {
        Pending => "pending", "Đang chờ gửi", "Pending";
        Sent => "sent", "Đã gửi", "Sent";
        Failed => "failed", "Gửi thất bại", "Failed";
    }
}

text_enum! {
    /// How a message leaves canhgac.
    Channel {
        Email => "email", "Thư điện tử", "E-mail";
        Webhook => "webhook", "Webhook", "Webhook";
    }
}

impl DeliveryStatus {
    /// Every allowed move. A pending message stays pending while it is being
    /// retried; a failed one goes back to pending only when someone asks.
    pub const TRANSITIONS: &'static [(DeliveryStatus, DeliveryStatus)] = &[
        (DeliveryStatus::Pending, DeliveryStatus::Pending),
        (DeliveryStatus::Pending, DeliveryStatus::Sent),
        (DeliveryStatus::Pending, DeliveryStatus::Failed),
        (DeliveryStatus::Failed, DeliveryStatus::Pending),
    ];

    pub fn may_become(self, to: DeliveryStatus) -> bool {
        Self::TRANSITIONS.contains(&(self, to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sent_message_is_final() {
        for to in DeliveryStatus::ALL {
            assert!(!DeliveryStatus::Sent.may_become(*to));
        }
        assert!(DeliveryStatus::Failed.may_become(DeliveryStatus::Pending));
        assert!(!DeliveryStatus::Failed.may_become(DeliveryStatus::Sent));
    }
}
