from concurrent.futures import ThreadPoolExecutor


def test_concurrent_requests_with_the_same_voice_share_a_generate_call(model_server):
    def speak(number: int) -> dict:
        request = {"text": f"Sentence number {number}.", "voice": "aiden", "language": "english", "seed": 5}
        return model_server.post("/synthesize", json=request).json()

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(speak, range(6)))

    assert all(answer["status"] == "success" for answer in answers)
    assert max(answer["batch_size"] for answer in answers) > 1


def test_requests_with_different_voices_are_each_answered_in_their_own_voice(model_server):
    def speak(voice: str) -> dict:
        return model_server.post("/synthesize", json={"text": "Hello.", "voice": voice, "seed": 5}).json()

    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = dict(zip(["vivian", "eric", "sohee"], pool.map(speak, ["vivian", "eric", "sohee"]), strict=True))

    assert all(answer["status"] == "success" for answer in answers.values())
    assert all(answer["batch_size"] == 1 for answer in answers.values())
