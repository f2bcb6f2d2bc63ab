//! The bodies of `tests/shared/`, run natively (the browser runs them in `tests/browser.rs`).

use crate::support::TestServer;

#[path = "../shared/mod.rs"]
mod bodies;

fn base(server: &TestServer) -> String {
    format!("ws://{}", server.addr)
}

macro_rules! shared_tests {
    (sync: $($sync:ident),* ; async: $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $sync() {
                let server = TestServer::start().await;
                bodies::$sync(&base(&server));
            }
        )*
        $(
            #[tokio::test]
            async fn $name() {
                let server = TestServer::start().await;
                bodies::$name(&base(&server)).await;
            }
        )*
    };
}

shared_tests! {
    sync: c_02_bad_schemes_are_syntax_errors, c_03_fragments_are_syntax_errors,
        c_04_http_maps_to_ws, p_04_to_p_08_bad_protocols_are_syntax_errors,
        cl_05_cl_08_close_argument_errors;
    async: p_01_single_protocol, p_11_unrequested_protocol_fails, a_01_initial_state,
        s_01_send_while_connecting, s_03_s_07_echo_and_buffered_amount, b_01_binary_round_trip,
        cl_01_to_cl_04_close_codes, cl_13_close_while_connecting, cl_17_server_initiated_close,
        cl_19_close_in_the_same_packet_as_the_101, cl_21_server_chosen_codes,
        cl_22_abrupt_loss_is_close_1006_without_error, e_02_listener_order,
        e_04_protocol_error_after_a_good_frame, e_10_once_and_replaced_handlers,
        f_02_non_101_status_fails, f_06_wrong_accept_key_fails,
}
